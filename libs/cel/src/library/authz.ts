// Kubernetes' authz library (k8s.io/apiserver/pkg/cel/library/authz.go) with its selectors
// (AuthorizeWithSelectors, on by default since 1.32): `authorizer.group('apps').resource('deployments')
// .namespace('ns').name('x').check('update').allowed()`, `authorizer.path('/healthz').check('get')`,
// `authorizer.serviceAccount(ns, name)` and the request's own `authorizer.requestResource`.
//
// Authorizing is asynchronous (a call to the authz service) and CEL evaluation is not: a check whose
// decision is not known yet evaluates to a PendingAuthorization error and is recorded on the
// authorizer; the caller resolves the pending checks and evaluates again (see evaluateWithAuthorizer).
import { type Library } from '../functions.js';
import { fn, member } from '../stdlib.js';
import { T } from '../types.js';
import { CelError, OpaqueValue, type Value } from '../values.js';

export const AUTHORIZER_TYPE = 'kubernetes.authorization.Authorizer';
export const PATH_CHECK_TYPE = 'kubernetes.authorization.PathCheck';
export const GROUP_CHECK_TYPE = 'kubernetes.authorization.GroupCheck';
export const RESOURCE_CHECK_TYPE = 'kubernetes.authorization.ResourceCheck';
export const DECISION_TYPE = 'kubernetes.authorization.Decision';
export const AuthorizerT = T.opaque(AUTHORIZER_TYPE);
export const PathCheckT = T.opaque(PATH_CHECK_TYPE);
export const GroupCheckT = T.opaque(GROUP_CHECK_TYPE);
export const ResourceCheckT = T.opaque(RESOURCE_CHECK_TYPE);
export const DecisionT = T.opaque(DECISION_TYPE);

/** kube's fixed cost of one check: at most two fit an expression's per-call limit. */
export const CHECK_COST = 350_000;

export interface AuthzUser {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** The attributes of one check, as a SubjectAccessReview would carry them. */
export interface AuthzRequest {
  user: AuthzUser;
  verb: string;
  /** A non-resource check. */
  path?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  fieldSelector?: string;
  labelSelector?: string;
}

export interface AuthzDecision {
  decision: 'Allow' | 'Deny' | 'NoOpinion';
  reason: string;
  /** Set when the authorizer failed. */
  error?: string;
}

/** Answers checks from what it knows and remembers the ones it does not, for the caller to resolve. */
export interface CheckAuthorizer {
  decide(request: AuthzRequest): AuthzDecision | undefined;
}

/** The error a check evaluates to while its decision is being fetched. */
export class PendingAuthorization extends CelError {
  constructor(readonly request: AuthzRequest) {
    super('authorization decision pending');
  }
}

/** The authz library's values are builders and results: equal only to themselves. */
abstract class AuthzValue extends OpaqueValue {
  equals(other: OpaqueValue): boolean {
    return other === this;
  }
}

export class AuthorizerValue extends AuthzValue {
  readonly celType = AUTHORIZER_TYPE;
  constructor(
    readonly authorizer: CheckAuthorizer,
    readonly user: AuthzUser,
  ) {
    super();
  }
}

export class PathCheckValue extends AuthzValue {
  readonly celType = PATH_CHECK_TYPE;
  constructor(
    readonly authz: AuthorizerValue,
    readonly path: string,
  ) {
    super();
  }
}

export class GroupCheckValue extends AuthzValue {
  readonly celType = GROUP_CHECK_TYPE;
  constructor(
    readonly authz: AuthorizerValue,
    readonly group: string,
  ) {
    super();
  }
}

export class ResourceCheckValue extends AuthzValue {
  readonly celType = RESOURCE_CHECK_TYPE;
  constructor(
    readonly authz: AuthorizerValue,
    readonly attrs: Omit<AuthzRequest, 'user' | 'verb'>,
  ) {
    super();
  }
  with(more: Partial<AuthzRequest>): ResourceCheckValue {
    return new ResourceCheckValue(this.authz, { ...this.attrs, ...more });
  }
}

export class DecisionValue extends AuthzValue {
  readonly celType = DECISION_TYPE;
  constructor(readonly decision: AuthzDecision) {
    super();
  }
}

function check(authz: AuthorizerValue, request: Omit<AuthzRequest, 'user'>): Value | CelError {
  const full: AuthzRequest = { ...request, user: authz.user };
  const d = authz.authorizer.decide(full);
  return d ? new DecisionValue(d) : new PendingAuthorization(full);
}

const a = (v: Value) => v as AuthorizerValue;
const rc = (v: Value) => v as ResourceCheckValue;
const dv = (v: Value) => (v as DecisionValue).decision;
const nominal = { cost: () => 1 };
/** kube's cost of parsing a selector: 10, plus 50 per two characters (a guess at its requirements), plus one traversal. */
const selectorCostOf = (n: number) => 10 + Math.ceil(n / 2) * 50 + Math.ceil(n * 0.1);
const selectorCost = {
  cost: (args: Value[]) => selectorCostOf(typeof args[1] === 'string' ? [...args[1]].length : 0),
  estimate: (args: { size: { min: number; max: number } }[]) => ({ cost: { min: selectorCostOf(args[1].size.min), max: selectorCostOf(Math.min(args[1].size.max, Number.MAX_SAFE_INTEGER)) } }),
};
const checkCost = { cost: () => CHECK_COST, estimate: () => ({ cost: { min: CHECK_COST, max: CHECK_COST } }) };

export const authzLibrary: Library = {
  name: 'authz',
  functions: [
    fn('path', member('authorizer_path', [AuthorizerT, T.string], PathCheckT, ([z, p]) => new PathCheckValue(a(z), p as string), nominal)),
    fn('group', member('authorizer_group', [AuthorizerT, T.string], GroupCheckT, ([z, g]) => new GroupCheckValue(a(z), g as string), nominal)),
    fn(
      'serviceAccount',
      member('authorizer_serviceaccount', [AuthorizerT, T.string, T.string], AuthorizerT, ([z, ns, name]) =>
        new AuthorizerValue(a(z).authorizer, { username: `system:serviceaccount:${ns}:${name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`] }),
      nominal),
    ),
    fn('resource', member('groupcheck_resource', [GroupCheckT, T.string], ResourceCheckT, ([g, r]) => new ResourceCheckValue((g as GroupCheckValue).authz, { group: (g as GroupCheckValue).group, resource: r as string }), nominal)),
    fn('subresource', member('resourcecheck_subresource', [ResourceCheckT, T.string], ResourceCheckT, ([r, s]) => rc(r).with({ subresource: s as string }), nominal)),
    fn('namespace', member('resourcecheck_namespace', [ResourceCheckT, T.string], ResourceCheckT, ([r, s]) => rc(r).with({ namespace: s as string }), nominal)),
    fn('name', member('resourcecheck_name', [ResourceCheckT, T.string], ResourceCheckT, ([r, s]) => rc(r).with({ name: s as string }), nominal)),
    fn('fieldSelector', member('resourcecheck_fieldselector', [ResourceCheckT, T.string], ResourceCheckT, ([r, s]) => rc(r).with({ fieldSelector: s as string }), selectorCost)),
    fn('labelSelector', member('resourcecheck_labelselector', [ResourceCheckT, T.string], ResourceCheckT, ([r, s]) => rc(r).with({ labelSelector: s as string }), selectorCost)),
    fn(
      'check',
      member('pathcheck_check', [PathCheckT, T.string], DecisionT, ([p, verb]) => check((p as PathCheckValue).authz, { verb: verb as string, path: (p as PathCheckValue).path }), checkCost),
      member('resourcecheck_check', [ResourceCheckT, T.string], DecisionT, ([r, verb]) => check(rc(r).authz, { ...rc(r).attrs, verb: verb as string }), checkCost),
    ),
    fn('errored', member('decision_errored', [DecisionT], T.bool, ([d]) => dv(d).error !== undefined, nominal)),
    fn('error', member('decision_error', [DecisionT], T.string, ([d]) => dv(d).error ?? '', nominal)),
    fn('allowed', member('decision_allowed', [DecisionT], T.bool, ([d]) => dv(d).decision === 'Allow', nominal)),
    fn('reason', member('decision_reason', [DecisionT], T.string, ([d]) => dv(d).reason, nominal)),
  ],
};

/** The `authorizer.requestResource` check of a request. */
export function requestResourceCheck(authz: AuthorizerValue, attrs: { group: string; version: string; resource: string; subresource: string; namespace: string; name: string }): ResourceCheckValue {
  return new ResourceCheckValue(authz, attrs);
}


/**
 * Decisions of one admission request, cached by their attributes (kube's CachingAuthorizer), with
 * the checks an evaluation asked for that are not known yet. `resolvePending` fetches them; the
 * evaluation is then run again and finds them.
 */
export class CachingAuthorizer implements CheckAuthorizer {
  private readonly decisions = new Map<string, AuthzDecision>();
  private readonly pending = new Map<string, AuthzRequest>();

  constructor(private readonly authorize: (request: AuthzRequest) => Promise<AuthzDecision>) {}

  private static key(r: AuthzRequest): string {
    return JSON.stringify([r.user.username, r.user.uid, r.user.groups, r.user.extra, r.verb, r.path, r.group, r.version, r.resource, r.subresource, r.namespace, r.name, r.fieldSelector, r.labelSelector]);
  }

  decide(request: AuthzRequest): AuthzDecision | undefined {
    const key = CachingAuthorizer.key(request);
    const known = this.decisions.get(key);
    if (!known) this.pending.set(key, request);
    return known;
  }

  get hasPending(): boolean {
    return this.pending.size > 0;
  }

  /** Asks for every pending check; a failed call becomes an errored decision, as in kube. */
  async resolvePending(): Promise<void> {
    const requests = [...this.pending];
    this.pending.clear();
    await Promise.all(
      requests.map(async ([key, request]) => {
        let d: AuthzDecision;
        try {
          d = await this.authorize(request);
        } catch (e) {
          d = { decision: 'NoOpinion', reason: '', error: e instanceof Error ? e.message : String(e) };
        }
        this.decisions.set(key, d);
      }),
    );
  }
}

/**
 * Runs an evaluation until every authorization check it makes is decided: each round resolves the
 * checks the previous one asked for. Kubernetes' cost of a check (350,000) allows two per
 * expression, so a few rounds suffice; the bound only guards against a misbehaving expression.
 */
export async function evaluateWithChecks<R>(authorizer: CachingAuthorizer | undefined, run: () => R, maxRounds = 8): Promise<R> {
  let result = run();
  for (let round = 0; authorizer?.hasPending && round < maxRounds; round++) {
    await authorizer.resolvePending();
    result = run();
  }
  return result;
}
