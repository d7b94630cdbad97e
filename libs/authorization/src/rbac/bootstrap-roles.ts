// The default RBAC objects every kube cluster starts with (kube's bootstrap policy), for the ones kapi
// creates: cluster-admin, the user-facing admin/edit/view (aggregated from the
// system:aggregate-to-* roles), discovery, basic-user, auth-delegator and public-info-viewer, and their bindings.
// Rule lists are kube's, with their lists sorted as kube's policy builder sorts them.
import { effectiveClusterRoleRules } from './aggregation.js';
import { RBAC_GROUP, type ClusterRole, type ClusterRoleBinding, type PolicyRule, type Role, type RoleBinding } from './types.js';

export const BOOTSTRAP_LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' } as const;
export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const READ_WRITE = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const rule = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule => ({ apiGroups, resources, verbs });
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ nonResourceURLs, verbs });

const AGGREGATE_TO = (role: 'admin' | 'edit' | 'view') => `rbac.authorization.k8s.io/aggregate-to-${role}`;

interface RoleSpec {
  name: string;
  labels?: Record<string, string>;
  rules?: PolicyRule[];
  aggregateFrom?: 'admin' | 'edit' | 'view';
}

const ROLES: RoleSpec[] = [
  { name: 'cluster-admin', rules: [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])] },
  {
    name: 'system:discovery',
    rules: [urls(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'])],
  },
  {
    name: 'system:basic-user',
    rules: [
      rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
      rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
    ],
  },
  // Lets a delegating server (a webhook, an aggregated API server) check tokens and access; bound by whoever deploys one.
  {
    name: 'system:auth-delegator',
    rules: [rule(['create'], ['authentication.k8s.io'], ['tokenreviews']), rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews'])],
  },
  { name: 'system:public-info-viewer', rules: [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])] },
  { name: 'admin', aggregateFrom: 'admin' },
  { name: 'edit', labels: { [AGGREGATE_TO('admin')]: 'true' }, aggregateFrom: 'edit' },
  { name: 'view', labels: { [AGGREGATE_TO('edit')]: 'true' }, aggregateFrom: 'view' },
  {
    name: 'system:aggregate-to-admin',
    labels: { [AGGREGATE_TO('admin')]: 'true' },
    rules: [rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']), rule(READ_WRITE, [RBAC_GROUP], ['rolebindings', 'roles'])],
  },
  {
    name: 'system:aggregate-to-edit',
    labels: { [AGGREGATE_TO('edit')]: 'true' },
    rules: [
      rule(READ, [''], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy']),
      rule(['impersonate'], [''], ['serviceaccounts']),
      rule(WRITE, [''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy']),
      rule(['create'], [''], ['pods/eviction']),
      rule(WRITE, [''], ['configmaps', 'events', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services', 'services/proxy']),
      rule(['create'], [''], ['serviceaccounts/token']),
      rule(WRITE, ['apps'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale']),
      rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
      rule(WRITE, ['batch'], ['cronjobs', 'jobs']),
      rule(WRITE, ['extensions'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'ingresses', 'networkpolicies', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale']),
      rule(WRITE, ['policy'], ['poddisruptionbudgets']),
      rule(WRITE, ['networking.k8s.io'], ['ingresses', 'networkpolicies']),
      rule(READ_WRITE, ['coordination.k8s.io'], ['leases']),
      rule(WRITE, ['resource.k8s.io'], ['resourceclaims', 'resourceclaimtemplates']),
    ],
  },
  {
    name: 'system:aggregate-to-view',
    labels: { [AGGREGATE_TO('view')]: 'true' },
    rules: [
      rule(READ, [''], ['configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status']),
      rule(READ, [''], ['bindings', 'events', 'limitranges', 'namespaces/status', 'pods/log', 'pods/status', 'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status']),
      rule(READ, [''], ['namespaces']),
      rule(READ, ['discovery.k8s.io'], ['endpointslices']),
      rule(READ, ['apps'], ['controllerrevisions', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status']),
      rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
      rule(READ, ['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
      rule(READ, ['extensions'], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status', 'networkpolicies', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale']),
      rule(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
      rule(READ, ['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies']),
      rule(READ, ['resource.k8s.io'], ['resourceclaims', 'resourceclaims/status', 'resourceclaimtemplates']),
    ],
  },
];

const BINDINGS: { role: string; groups: string[] }[] = [
  { role: 'cluster-admin', groups: ['system:masters'] },
  { role: 'system:discovery', groups: ['system:authenticated'] },
  { role: 'system:basic-user', groups: ['system:authenticated'] },
  { role: 'system:public-info-viewer', groups: ['system:authenticated', 'system:unauthenticated'] },
];

const metadata = (name: string, labels: Record<string, string> = {}) => ({
  name,
  labels: { ...BOOTSTRAP_LABELS, ...labels },
  annotations: { [AUTOUPDATE_ANNOTATION]: 'true' },
});

/**
 * The bootstrap ClusterRoles. Aggregated roles carry their aggregationRule and, as rules, what the
 * aggregation controller would have written into them from the other bootstrap roles.
 */
export function bootstrapClusterRoles(): (ClusterRole & { apiVersion: string; kind: string; metadata: ReturnType<typeof metadata> })[] {
  const roles = ROLES.map((spec) => ({
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRole',
    metadata: metadata(spec.name, spec.labels),
    ...(spec.aggregateFrom ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [AGGREGATE_TO(spec.aggregateFrom)]: 'true' } }] } } : {}),
    rules: spec.rules ?? [],
  }));
  const effective = effectiveClusterRoleRules(roles);
  for (const role of roles) if (role.aggregationRule) role.rules = structuredClone(effective.get(role.metadata.name) ?? []);
  return roles;
}

export function bootstrapClusterRoleBindings(): (ClusterRoleBinding & { apiVersion: string; kind: string })[] {
  return BINDINGS.map(({ role, groups }) => ({
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: metadata(role),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: role },
    subjects: groups.map((name) => ({ apiGroup: RBAC_GROUP, kind: 'Group', name })),
  }));
}

/** The ConfigMap aggregated API servers read the front door's trust from (published by the registry). */
export const EXTENSION_AUTHENTICATION_CONFIGMAP = 'extension-apiserver-authentication';
const READER_ROLE = 'extension-apiserver-authentication-reader';

/** kube's bootstrap namespaced Roles that kapi creates: who may read the extension authentication ConfigMap. */
export function bootstrapNamespaceRoles(): (Role & { apiVersion: string; kind: string; metadata: ReturnType<typeof metadata> & { namespace: string } })[] {
  return [
    {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'Role',
      metadata: { ...metadata(READER_ROLE), namespace: 'kube-system' },
      rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: [EXTENSION_AUTHENTICATION_CONFIGMAP], verbs: READ }],
    },
  ];
}

/** Their bindings, as kube writes them (`system::` and the role's name). */
export function bootstrapNamespaceRoleBindings(): (RoleBinding & { apiVersion: string; kind: string; metadata: ReturnType<typeof metadata> & { namespace: string } })[] {
  return [
    {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'RoleBinding',
      metadata: { ...metadata(`system::${READER_ROLE}`), namespace: 'kube-system' },
      roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: READER_ROLE },
      subjects: ['system:kube-controller-manager', 'system:kube-scheduler'].map((name) => ({ apiGroup: RBAC_GROUP, kind: 'User', name })),
    },
  ];
}
