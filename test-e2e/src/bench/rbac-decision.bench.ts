// npm run bench: what one RBAC decision costs in the authz service, measured on the authorizer the
// service runs (libs/authorization's RbacAuthorizer over its in-memory index), with kube's bootstrap
// policy plus a cluster of a realistic size: 500 namespaces with two roles and two role bindings
// each, and 200 cluster role bindings. Three requests: one a namespace's role binding allows, one a
// cluster role binding allows, and one nothing allows (the worst case: every binding is visited).
import { RbacAuthorizer, RbacIndex, bootstrapClusterRoleBindings, bootstrapClusterRoles, type ClusterRoleBinding, type RequestAttributes, type Role, type RoleBinding } from '@kapi/authorization';
import { envNumber, nowMs } from './bench-kit.js';

const NAMESPACES = envNumber('KAPI_BENCH_RBAC_NAMESPACES', 500);
const CLUSTER_BINDINGS = envNumber('KAPI_BENCH_RBAC_CLUSTER_BINDINGS', 200);
const DECISIONS = envNumber('KAPI_BENCH_RBAC_DECISIONS', 20_000);
const G = 'rbac.authorization.k8s.io';

function cluster(): RbacIndex {
  const index = new RbacIndex();
  const roles: Role[] = [];
  const bindings: RoleBinding[] = [];
  for (let i = 0; i < NAMESPACES; i++) {
    const namespace = `team-${i}`;
    roles.push({ metadata: { namespace, name: 'reader' }, rules: [{ apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['get', 'list', 'watch'] }] });
    roles.push({ metadata: { namespace, name: 'deployer' }, rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['*'] }] });
    bindings.push({ metadata: { namespace, name: 'readers' }, roleRef: { apiGroup: G, kind: 'Role', name: 'reader' }, subjects: [{ kind: 'Group', apiGroup: G, name: `team-${i}-devs` }] });
    bindings.push({ metadata: { namespace, name: 'deployers' }, roleRef: { apiGroup: G, kind: 'Role', name: 'deployer' }, subjects: [{ kind: 'ServiceAccount', name: 'ci', namespace }] });
  }
  const clusterBindings: ClusterRoleBinding[] = [...bootstrapClusterRoleBindings()];
  for (let i = 0; i < CLUSTER_BINDINGS; i++) {
    clusterBindings.push({ metadata: { name: `viewers-${i}` }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', apiGroup: G, name: `auditor-${i}` }] });
  }
  index.replace('clusterroles', bootstrapClusterRoles());
  index.replace('clusterrolebindings', clusterBindings);
  index.replace('roles', roles);
  index.replace('rolebindings', bindings);
  return index;
}

const request = (username: string, groups: string[], namespace: string, verb: string, resource: string): RequestAttributes => ({
  user: { username, groups: [...groups, 'system:authenticated'] },
  verb,
  resourceRequest: true,
  apiGroup: '',
  apiVersion: 'v1',
  resource,
  subresource: '',
  namespace,
  name: '',
  path: `/api/v1/namespaces/${namespace}/${resource}`,
});

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(authorizer: RbacAuthorizer, name: string, attributes: RequestAttributes, expected: string): Promise<void> {
  const first = await authorizer.authorize(attributes);
  if (first.decision !== expected) throw new Error(`${name}: expected ${expected}, got ${first.decision} (${first.reason})`);
  for (let i = 0; i < 1000; i++) await authorizer.authorize(attributes);
  const samples: number[] = [];
  for (let i = 0; i < DECISIONS; i++) {
    const started = nowMs();
    await authorizer.authorize(attributes);
    samples.push((nowMs() - started) * 1000);
  }
  samples.sort((a, b) => a - b);
  console.log(`rbac decision, ${name}: p50 ${percentile(samples, 50).toFixed(1)} µs, p99 ${percentile(samples, 99).toFixed(1)} µs (${DECISIONS} decisions)`);
}

async function main(): Promise<void> {
  const index = cluster();
  const authorizer = new RbacAuthorizer(index);
  console.log(`rbac decision: ${NAMESPACES * 2} roles, ${NAMESPACES * 2} role bindings, ${CLUSTER_BINDINGS} cluster role bindings besides kube's bootstrap policy`);
  await measure(authorizer, 'allowed by a role binding', request('jane', ['team-250-devs'], 'team-250', 'list', 'configmaps'), 'Allow');
  await measure(authorizer, 'allowed by a cluster role binding', request('auditor-150', [], 'team-7', 'get', 'configmaps'), 'Allow');
  await measure(authorizer, 'denied (every binding visited)', request('mallory', ['nobody'], 'team-250', 'delete', 'secrets'), 'NoOpinion');
}

main().catch((err) => {
  console.error(`rbac decision failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
