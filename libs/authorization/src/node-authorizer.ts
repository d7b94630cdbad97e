// The Node authorization mode, simplified to the kinds kapi serves: a kubelet (user system:node:<name>
// in group system:nodes) may do what kube's system:node rules allow, except that secrets, configmaps
// and service-account tokens are allowed only through a pod bound to the node that references them.
// kapi has no Pods yet, so that graph is empty and those requests find no relationship. Node leases
// are the node's own, in kube-node-lease.
import { noOpinion, type Authorization, type Authorizer, type RequestAttributes } from './authorizer.js';
import { ruleAllows } from './rbac/rules.js';
import type { PolicyRule } from './rbac/types.js';

export const NODES_GROUP = 'system:nodes';
const NODE_USER_PREFIX = 'system:node:';
const NODE_LEASE_NAMESPACE = 'kube-node-lease';

const READ = ['get', 'list', 'watch'];
const rule = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule => ({ apiGroups, resources, verbs });

/** kube's bootstrap NodeRules: what any node may do outside the resources the graph decides. */
export const NODE_RULES: PolicyRule[] = [
  rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
  rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews', 'localsubjectaccessreviews']),
  rule(READ, [''], ['services']),
  rule(['create', 'get', 'list', 'watch'], [''], ['nodes']),
  rule(['update', 'patch'], [''], ['nodes/status']),
  rule(['update', 'patch'], [''], ['nodes']),
  rule(['create', 'update', 'patch'], [''], ['events']),
  rule(READ, [''], ['pods']),
  rule(['create', 'delete'], [''], ['pods']),
  rule(['update', 'patch'], [''], ['pods/status']),
  rule(['create'], [''], ['pods/eviction']),
  rule(['get', 'list', 'watch'], [''], ['secrets', 'configmaps']),
  rule(['get'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
  rule(['get'], [''], ['endpoints']),
  rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
  rule(['get', 'create', 'update', 'patch', 'delete'], ['coordination.k8s.io'], ['leases']),
  rule(['get'], ['storage.k8s.io'], ['volumeattachments']),
  rule(['create'], [''], ['serviceaccounts/token']),
  rule(['get', 'update', 'patch'], [''], ['persistentvolumeclaims/status']),
  rule(['get', 'watch', 'list'], ['storage.k8s.io'], ['csidrivers']),
  rule(['get', 'create', 'update', 'patch', 'delete'], ['storage.k8s.io'], ['csinodes']),
  rule(READ, ['node.k8s.io'], ['runtimeclasses']),
  // A kubelet publishes its node's DRA devices; NodeRestriction keeps it to slices of its own node.
  rule(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], ['resource.k8s.io'], ['resourceslices']),
];

/** The node a user is, as kube's default node identifier reads it: undefined when not a node. */
export function nodeIdentity(user: RequestAttributes['user']): string | undefined {
  if (!user.username.startsWith(NODE_USER_PREFIX) || !user.groups.includes(NODES_GROUP)) return undefined;
  return user.username.slice(NODE_USER_PREFIX.length);
}

const noRelationship = (node: string) => noOpinion(`no relationship found between node '${node}' and this object`);

/** secrets and configmaps: readable by name when a pod bound to the node uses them (none can yet). */
function readNamespacedObject(node: string, a: RequestAttributes): Authorization {
  if (!READ.includes(a.verb)) return noOpinion('can only read resources of this type');
  if (a.subresource) return noOpinion('cannot read subresource');
  if (!a.namespace) return noOpinion('can only read namespaced object of this type');
  if (!a.name) return noOpinion('No Object name found');
  return noRelationship(node);
}

/** serviceaccounts/token: for the accounts of pods bound to the node (none can be yet). */
function createToken(node: string, a: RequestAttributes): Authorization {
  if (a.verb !== 'create' || !a.name) return noOpinion('can only create tokens for individual service accounts');
  if (a.subresource !== 'token') return noOpinion('can only create token subresource of serviceaccount');
  return noRelationship(node);
}

function lease(node: string, a: RequestAttributes): Authorization {
  if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb)) return noOpinion('can only get, create, update, patch, or delete a node lease');
  if (a.namespace !== NODE_LEASE_NAMESPACE) return noOpinion(`can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
  // The name is not known on create; kube leaves that check to the NodeRestriction admission plugin.
  if (a.verb !== 'create' && a.name !== node) return noOpinion('can only access node lease with the same name as the requesting node');
  return { decision: 'Allow', reason: '' };
}

export const nodeAuthorizer: Authorizer = {
  name: 'Node',
  async authorize(a) {
    const node = nodeIdentity(a.user);
    if (node === undefined) return noOpinion();
    if (node === '') return noOpinion(`unknown node for user "${a.user.username}"`);
    if (a.resourceRequest) {
      const resource = `${a.apiGroup}/${a.resource}`;
      if (resource === '/secrets' || resource === '/configmaps') return readNamespacedObject(node, a);
      if (resource === '/serviceaccounts') return createToken(node, a);
      if (resource === 'coordination.k8s.io/leases') return lease(node, a);
    }
    return NODE_RULES.some((r) => ruleAllows(a, r)) ? { decision: 'Allow', reason: '' } : noOpinion();
  },
};
