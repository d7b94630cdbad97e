// Who may call what between kapi's services: the one table every gRPC server enforces, per method,
// before any work is done. A caller is the identity its client certificate names (see identity.ts);
// a method missing from the table is refused to everyone. The Helm chart's NetworkPolicies admit,
// to each backend, the pods of the identities listed here (checked by deploy/src/chart.int-spec.ts).
import type { ServiceIdentity } from './identity.js';

/** Any identity the services CA issued (an operator's probe included). */
export const ANY_IDENTITY = '*';
export type Callers = readonly ServiceIdentity[] | typeof ANY_IDENTITY;
/** gRPC service (`kapi.registry.v1.Registry`) → method (`Create`) → who may call it. */
export type CallerTable = Readonly<Record<string, Readonly<Record<string, Callers>>>>;

/**
 * The front doors: the only callers that may assert the end user a request acts as. Every method
 * whose request names the user it acts for (the registry's writes, authz's access reviews) admits
 * front doors alone, so a backend reaching the registry cannot write as anyone.
 */
export const FRONT_DOORS = ['aggregator'] as const satisfies readonly ServiceIdentity[];

export const CALLERS = {
  'kapi.registry.v1.Registry': {
    Create: FRONT_DOORS,
    Update: FRONT_DOORS,
    Patch: FRONT_DOORS,
    Delete: FRONT_DOORS,
    DeleteCollection: FRONT_DOORS,
    // authn reads ServiceAccounts, the objects tokens are bound to, and bootstrap-token Secrets;
    // admission's plugins read afresh what their informers may not have seen yet (a namespace or a
    // ServiceAccount created a moment ago, the pod a node's token names, kube's live lookups).
    Get: ['aggregator', 'authn', 'admission'],
    // LimitRanger lists a namespace's LimitRanges afresh when its informer holds none (kube's live lookup).
    List: ['aggregator', 'admission'],
    // etcd's content and history, Secrets included: only for rebuilding a watch cache.
    Snapshot: ['watch-cache'],
    History: ['watch-cache'],
    Progress: ['watch-cache'],
    RbacBootstrap: ['authz'],
    // ResourceQuota records admitted usage in a quota's status.used (kube's plugin does, through its
    // loopback client): status.used alone, at the version admission read, and no user asserted.
    UpdateQuotaUsage: ['admission'],
  },
  'kapi.authn.v1.Authentication': {
    Authenticate: FRONT_DOORS,
  },
  'kapi.authz.v1.Authorization': {
    // The registry asks, for a write a front door asserted, whether its user holds what an RBAC
    // object would grant (escalation prevention) or may read the params an admission policy or
    // binding points at; admission asks whether a request's user may approve, sign or attest for a
    // signer (CertificateApproval, CertificateSigning, ClusterTrustBundleAttest) and decides CEL's
    // `authorizer` checks in policies and match conditions: questions about that user, never
    // actions as them.
    Authorize: ['aggregator', 'registry', 'admission'],
    Review: FRONT_DOORS,
  },
  'kapi.admission.v1.Admission': {
    Mutate: ['registry'],
    Validate: ['registry'],
  },
  'kapi.watchcache.v1.WatchCache': {
    // authz keeps its RBAC index, and admission its plugins' informers, by listing and watching
    // through the watch-cache.
    List: ['aggregator', 'authz', 'admission'],
    Watch: ['aggregator', 'authz', 'admission'],
  },
  'kapi.health.v1.Health': {
    Check: ANY_IDENTITY,
  },
} as const satisfies CallerTable;

/** `/kapi.registry.v1.Registry/Create` → [`kapi.registry.v1.Registry`, `Create`]. */
export function splitMethodPath(path: string): [service: string, method: string] {
  const match = /^\/([^/]+)\/([^/]+)$/.exec(path);
  return match ? [match[1], match[2]] : [path, ''];
}

/** Who may call the method at `path` (`/package.Service/Method`); undefined for a method the table does not know. */
export function callersOf(path: string, table: CallerTable = CALLERS): Callers | undefined {
  const [service, method] = splitMethodPath(path);
  return Object.hasOwn(table, service) && Object.hasOwn(table[service], method) ? table[service][method] : undefined;
}

/** Why `identity` may not call `path`, or undefined when it may. */
export function callRefusal(identity: string | undefined, path: string, table: CallerTable = CALLERS): string | undefined {
  const method = path.replace(/^\//, '');
  if (identity === undefined) return `a caller without a service identity may not call ${method}`;
  const callers = callersOf(path, table);
  if (callers === ANY_IDENTITY || callers?.includes(identity as ServiceIdentity)) return undefined;
  return `the identity ${JSON.stringify(identity)} may not call ${method}`;
}
