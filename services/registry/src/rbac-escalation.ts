// RBAC escalation prevention, as kube-apiserver's RBAC storage enforces it: a user may create or
// change a Role or ClusterRole only with rules they hold themselves (or with the `escalate` verb),
// and may bind a role only if they hold its rules (or have the `bind` verb on it). "Holding" a rule
// is asked of the authorizer for each verb, group, resource and name the rule grants, so wildcards
// are held only by wildcards.
import { StatusError, type KubeObject } from '@kapi/api-machinery';
import type { StoreHooks, UserInfo, WriteContext } from '@kapi/generic-registry';
import { unary } from '@kapi/grpc';
import { authzV1 } from '@kapi/proto';

export interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

type Allowed = (user: UserInfo, attributes: Omit<authzV1.Attributes, 'user'>) => Promise<boolean>;

export function authzCheck(client: authzV1.AuthorizationClient): Allowed {
  return async (user, attributes) => {
    // system:masters may do anything; asking would also make the bootstrap objects, which the
    // registry writes as system:masters, wait for the authz service.
    if (user.groups.includes('system:masters')) return true;
    const reply = await unary('authz', 'Authorize', client.authorize.bind(client), { user, ...attributes });
    return reply.decision === authzV1.Decision.DECISION_ALLOW;
  };
}

const resourceAttributes = (verb: string, apiGroup: string, resource: string, namespace: string, name: string) => {
  const [res, sub = ''] = resource.split('/');
  return { verb, resourceRequest: true, apiGroup, apiVersion: '*', resource: res, subresource: sub, namespace, name, path: '' };
};

/** The rules a user does not hold, in the namespace (or cluster-wide with ''). */
export async function rulesNotHeld(allowed: Allowed, user: UserInfo, namespace: string, rules: PolicyRule[]): Promise<PolicyRule[]> {
  const missing: PolicyRule[] = [];
  for (const rule of rules) {
    let held = true;
    for (const verb of rule.verbs ?? []) {
      if (rule.nonResourceURLs?.length) {
        for (const path of rule.nonResourceURLs) {
          if (!(await allowed(user, { verb, resourceRequest: false, apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '', path }))) held = false;
        }
        continue;
      }
      for (const group of rule.apiGroups ?? []) {
        for (const resource of rule.resources ?? []) {
          const names = rule.resourceNames?.length ? rule.resourceNames : [''];
          for (const name of names) if (!(await allowed(user, resourceAttributes(verb, group, resource, namespace, name)))) held = false;
        }
      }
    }
    if (!held) missing.push(rule);
  }
  return missing;
}

/** kube's rendering of a rule in the escalation message: `{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}`. */
export function describeRule(rule: PolicyRule): string {
  const list = (values: string[]) => `[${values.map((v) => JSON.stringify(v)).join(' ')}]`;
  const parts: string[] = [];
  if (rule.apiGroups?.length) parts.push(`APIGroups:${list(rule.apiGroups)}`);
  if (rule.resources?.length) parts.push(`Resources:${list(rule.resources)}`);
  if (rule.resourceNames?.length) parts.push(`ResourceNames:${list(rule.resourceNames)}`);
  if (rule.nonResourceURLs?.length) parts.push(`NonResourceURLs:${list(rule.nonResourceURLs)}`);
  parts.push(`Verbs:${list(rule.verbs ?? [])}`);
  return `{${parts.join(', ')}}`;
}

function escalationError(resource: string, name: string, user: UserInfo, missing: PolicyRule[]): StatusError {
  const groups = `[${user.groups.map((g) => JSON.stringify(g)).join(' ')}]`;
  const message = `${resource}.rbac.authorization.k8s.io "${name}" is forbidden: user "${user.username}" (groups=${groups}) is attempting to grant RBAC permissions not currently held:\n${missing.map(describeRule).join('\n')}`;
  return new StatusError('KAPI_ERR_AUTHZ_FORBIDDEN', message, { name, group: 'rbac.authorization.k8s.io', kind: resource });
}

export interface RoleLookup {
  /** The rules of a Role (namespace set) or ClusterRole, or undefined when it does not exist. */
  (kind: 'Role' | 'ClusterRole', namespace: string, name: string): Promise<PolicyRule[] | undefined>;
}

/** Hooks for roles/clusterroles (`resource` plural) that refuse granting what the writer does not hold. */
export function roleEscalationHooks(resource: 'roles' | 'clusterroles', allowed: Allowed): StoreHooks {
  return {
    async checkWrite(obj: KubeObject, _old, ctx: WriteContext) {
      const namespace = resource === 'roles' ? (obj.metadata?.namespace ?? '') : '';
      if (await allowed(ctx.user, resourceAttributes('escalate', 'rbac.authorization.k8s.io', resource, namespace, obj.metadata?.name ?? ''))) return;
      const missing = await rulesNotHeld(allowed, ctx.user, namespace, (obj.rules as PolicyRule[] | undefined) ?? []);
      if (missing.length) throw escalationError(resource, obj.metadata?.name ?? '', ctx.user, missing);
    },
  };
}

/** Hooks for rolebindings/clusterrolebindings that refuse binding a role the writer may not bind. */
export function bindingEscalationHooks(resource: 'rolebindings' | 'clusterrolebindings', allowed: Allowed, roles: RoleLookup): StoreHooks {
  return {
    async checkWrite(obj: KubeObject, _old, ctx: WriteContext) {
      const namespace = resource === 'rolebindings' ? (obj.metadata?.namespace ?? '') : '';
      const ref = (obj.roleRef ?? {}) as { kind?: 'Role' | 'ClusterRole'; name?: string };
      const roleResource = ref.kind === 'Role' ? 'roles' : 'clusterroles';
      if (await allowed(ctx.user, resourceAttributes('bind', 'rbac.authorization.k8s.io', roleResource, ref.kind === 'Role' ? namespace : namespace, ref.name ?? ''))) return;
      const rules = await roles(ref.kind ?? 'ClusterRole', ref.kind === 'Role' ? namespace : '', ref.name ?? '');
      // Binding a role that does not exist grants nothing yet; kube refuses it unless the user may bind.
      const missing = rules === undefined ? [{ verbs: ['bind'], apiGroups: ['rbac.authorization.k8s.io'], resources: [roleResource], resourceNames: [ref.name ?? ''] }] : await rulesNotHeld(allowed, ctx.user, namespace, rules);
      if (missing.length) throw escalationError(resource, obj.metadata?.name ?? '', ctx.user, missing);
    },
  };
}
