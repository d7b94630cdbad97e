// The MutatingAdmissionPolicy admission plugin (kube's admission/plugin/policy/mutating; the API is
// admissionregistration.k8s.io/v1beta1 in kube 1.34, beta and off by default). For each policy and
// binding that match, and each param, the mutations run in order: an ApplyConfiguration expression
// (`Object{spec: Object.spec{…}}`) is merged into the object as server-side apply merges (maps
// field by field, lists by their list type: map lists by their keys, sets as sets, others
// replaced), a JSONPatch expression (`[JSONPatch{op: "add", path: "/…", value: …}]`) applied as
// RFC 6902. `reinvocationPolicy: IfNeeded` runs a policy once more when a later one changed the object.
import type { AdmissionAttributes, AdmissionPlugin, Operation } from '@kapi/admission-chain';
import { applyJsonPatch, StatusError, isStatusError, type GroupVersionKind } from '@kapi/api-machinery';
import { CachingAuthorizer, evaluateWithChecks, JSON_PATCH_TYPE, RUNTIME_CEL_COST_BUDGET, T, toJSON, type CelObject, type Value } from '@kapi/cel';
import { OutOfBudgetError, PolicyCompiler, PolicyEvaluation, type CompiledExpression } from './compile.js';
import { namespaceObject, selectInvocations, versionedRequest, type BindingInvocation, type PolicySource } from './invocations.js';
import { evaluateMatchConditions, RUNTIME_CEL_COST_BUDGET_MATCH_CONDITIONS } from './match-conditions.js';
import { MutatingPolicyMetrics } from './metrics.js';
import { admissionObjectName, type PolicyPluginOptions } from './validating.js';
import type { KubeObject, MutatingAdmissionPolicy as Policy, MutatingAdmissionPolicyBinding as Binding } from './types.js';

export const MUTATING_ADMISSION_POLICY = 'MutatingAdmissionPolicy';

/** What an apply configuration merges by: the list type of a field (`x-kubernetes-list-type`). */
export interface ListTypes {
  listFactsAt(gvk: GroupVersionKind, path: string): { listType?: 'atomic' | 'set' | 'map' | string; mapKeys?: string[] };
}

export interface MutatingPolicyOptions extends Omit<PolicyPluginOptions<Policy, Binding>, 'policies' | 'metrics'> {
  policies: PolicySource<Policy, Binding>;
  /** The schemas' list types; without them every list is replaced whole (atomic). */
  listTypes?: ListTypes;
  metrics?: MutatingPolicyMetrics;
}

class CompiledPolicy {
  readonly compiler: PolicyCompiler;
  readonly matchConditions: { name: string; compiled: CompiledExpression }[];
  readonly mutations: { patchType: string; compiled: CompiledExpression }[];

  constructor(policy: Policy) {
    const spec = policy.spec ?? {};
    // Variables and match conditions see kube's admission environment; only mutations have the
    // patch types (`Object{…}`, `JSONPatch{…}`), and must evaluate to one.
    this.compiler = new PolicyCompiler({ hasParams: Boolean(spec.paramKind) }, spec.variables ?? []);
    this.matchConditions = (spec.matchConditions ?? []).map((m) => ({ name: m.name, compiled: this.compiler.compile(m.expression, [T.bool]) }));
    this.mutations = (spec.mutations ?? []).map((m) => {
      const json = m.patchType === 'JSONPatch';
      const expression = json ? (m.jsonPatch?.expression ?? '') : (m.applyConfiguration?.expression ?? '');
      return { patchType: m.patchType, compiled: this.compiler.compile(expression, json ? [T.list(JSON_PATCH_TYPE)] : [T.object('Object')], { mutation: true }) };
    });
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Merges an apply configuration into an object, by the schema's list types. */
export function mergeApplyConfiguration(target: unknown, patch: unknown, listFacts: (path: string) => { listType?: string; mapKeys?: string[] }, path = ''): unknown {
  if (isObject(patch)) {
    const base = isObject(target) ? { ...target } : {};
    for (const [k, v] of Object.entries(patch)) {
      const child = path ? `${path}.${k}` : k;
      base[k] = v === null ? null : mergeApplyConfiguration(base[k], v, listFacts, child);
    }
    return base;
  }
  if (Array.isArray(patch) && Array.isArray(target)) {
    const facts = listFacts(path);
    if (facts.listType === 'set') return [...target, ...patch.filter((x) => !target.some((y) => JSON.stringify(y) === JSON.stringify(x)))];
    if (facts.listType === 'map' && facts.mapKeys?.length) {
      const keyOf = (x: unknown) => JSON.stringify(facts.mapKeys!.map((k) => (isObject(x) ? x[k] : undefined)));
      const out = [...target];
      for (const item of patch) {
        const i = out.findIndex((x) => keyOf(x) === keyOf(item));
        if (i < 0) out.push(item);
        else out[i] = mergeApplyConfiguration(out[i], item, listFacts, path);
      }
      return out;
    }
  }
  return patch;
}

export class MutatingPolicyDispatcher {
  private readonly compiled = new WeakMap<Policy, CompiledPolicy>();
  private readonly metrics: MutatingPolicyMetrics;

  constructor(private readonly options: MutatingPolicyOptions) {
    this.metrics = options.metrics ?? new MutatingPolicyMetrics();
  }

  private compile(policy: Policy): CompiledPolicy {
    let c = this.compiled.get(policy);
    if (!c) this.compiled.set(policy, (c = new CompiledPolicy(policy)));
    return c;
  }

  async admit(a: AdmissionAttributes): Promise<KubeObject | undefined> {
    const { invocations, errors } = await selectInvocations(a, this.options.policies, this.options);
    for (const e of errors) if ((e.policy.spec?.failurePolicy ?? 'Fail') !== 'Ignore') throw denial(a, e.policy, e.binding, e.message);
    const authorizer = this.options.authorize ? new CachingAuthorizer(this.options.authorize) : undefined;
    let object = a.object;
    const ran: { invocation: BindingInvocation<Policy, Binding>; after: string }[] = [];
    const run = async (invocation: BindingInvocation<Policy, Binding>) => {
      // Each policy sees the object as the ones before it left it, as its matched kind.
      const current = { ...a, object };
      const versioned = await versionedRequest(current, invocation.versioned.match, this.options.converter);
      const ns = versioned.request.namespace && a.kind.kind !== 'Namespace' ? namespaceObject(await this.options.namespaces.get(versioned.request.namespace)) : undefined;
      let own = versioned.object;
      for (const param of invocation.params) {
        const start = own;
        const mutated = await evaluateWithChecks(authorizer, () => this.mutate(a, invocation, start, { ...versioned, namespaceObject: ns, param }, authorizer));
        if (mutated !== undefined) own = mutated;
      }
      // Back to the request's kind when the policy matched an equivalent one.
      if (own !== versioned.object) object = await convertBack(this.options.converter, own, invocation.versioned.match.kind, a.kind);
      ran.push({ invocation, after: JSON.stringify(object) });
    };
    for (const invocation of invocations) await run(invocation);
    // IfNeeded: once more for a policy whose result a later policy changed.
    const final = JSON.stringify(object);
    for (const { invocation, after } of [...ran]) {
      if (invocation.policy.spec?.reinvocationPolicy === 'IfNeeded' && after !== final) await run(invocation);
    }
    return object;
  }

  /** One param's mutations, in order; returns the mutated object (undefined when unchanged or ignored). */
  private mutate(
    a: AdmissionAttributes,
    invocation: BindingInvocation<Policy, Binding>,
    start: KubeObject | undefined,
    context: { oldObject?: KubeObject; request: BindingInvocation<Policy, Binding>['versioned']['request']; namespaceObject?: KubeObject; param: KubeObject | null },
    authorizer: CachingAuthorizer | undefined,
  ): KubeObject | undefined {
    const { policy, binding } = invocation;
    const compiled = this.compile(policy);
    const ignore = (policy.spec?.failurePolicy ?? 'Fail') === 'Ignore';
    const policyName = policy.metadata?.name ?? '';
    const bindingName = binding.metadata?.name ?? '';
    const fail = (message: string): undefined => {
      this.metrics.observe(policyName, bindingName, message.startsWith('compilation') ? 'compile_error' : 'invalid_error', 0);
      if (ignore) return undefined;
      throw denial(a, policy, binding, message);
    };
    const inputsFor = (object: KubeObject | undefined) => ({ object, oldObject: context.oldObject, params: context.param, request: context.request, namespaceObject: context.namespaceObject, ...(authorizer ? { authorizer } : {}) });
    if (compiled.matchConditions.length) {
      const outcome = evaluateMatchConditions(compiled.compiler, compiled.matchConditions, inputsFor(start), policy.spec?.failurePolicy ?? 'Fail', RUNTIME_CEL_COST_BUDGET_MATCH_CONDITIONS);
      if ('error' in outcome) return fail(outcome.error);
      if (!outcome.matches) return undefined;
    }
    let object = start;
    let budget = RUNTIME_CEL_COST_BUDGET;
    for (const mutation of compiled.mutations) {
      let result;
      try {
        const r = new PolicyEvaluation(compiled.compiler, inputsFor(object)).evaluateAll([mutation.compiled], budget);
        result = r.results[0]!;
        budget = r.remaining;
      } catch (err) {
        if (err instanceof OutOfBudgetError) return fail(err.message);
        throw err;
      }
      if (result.error !== undefined) return fail(result.error);
      try {
        object = this.apply(mutation.patchType, object, result.value!, invocation.versioned.match.kind);
      } catch (err) {
        // The JSON patch machinery answers a client's patch; here its cause is the policy's failure.
        const cause = isStatusError(err) && err.cause instanceof Error ? err.cause : err;
        return fail(cause instanceof Error ? cause.message : String(cause));
      }
      this.metrics.observe(policyName, bindingName, 'no_error', result.elapsedMs);
    }
    return object;
  }

  private apply(patchType: string, object: KubeObject | undefined, value: Value, kind: GroupVersionKind): KubeObject {
    if (patchType === 'JSONPatch') {
      if (!Array.isArray(value)) throw new Error(`JSONPatch expression must evaluate to a list of JSONPatch, got ${typeof value}`);
      let doc: unknown = object ?? {};
      for (const patch of value as CelObject[]) {
        const op = toJSON(patch) as Record<string, unknown>;
        if (typeof op.op !== 'string' || !['add', 'remove', 'replace', 'move', 'copy', 'test'].includes(op.op)) throw new Error(`JSON Patch: unsupported op ${JSON.stringify(op.op ?? '')}`);
        try {
          doc = applyJsonPatch(doc, [op]);
        } catch (err) {
          throw new Error(`JSON Patch: ${jsonPatchFailure(op, err)}`);
        }
      }
      return doc as KubeObject;
    }
    const configuration = toJSON(value);
    if (!isObject(configuration)) throw new Error('ApplyConfiguration expression must evaluate to an Object');
    const facts = (path: string) => this.options.listTypes?.listFactsAt(kind, path) ?? {};
    return mergeApplyConfiguration(object ?? {}, configuration, facts) as KubeObject;
  }
}

/** The failure of one operation as kube's JSON patch library (json-patch v5) words it. */
function jsonPatchFailure(op: Record<string, unknown>, err: unknown): string {
  const cause = isStatusError(err) && err.cause instanceof Error ? err.cause.message : err instanceof Error ? err.message : String(err);
  const path = String(op.path ?? '');
  if (/missing path/.test(cause)) {
    const key = path.slice(path.lastIndexOf('/') + 1);
    if (op.op === 'remove') return `error in remove for path: '${path}': Unable to remove nonexistent key: ${key}: missing value`;
    if (op.op === 'replace') return `error in replace for path: '${path}': replace operation does not apply: doc is missing key: ${path}: missing value`;
  }
  return `error in ${String(op.op)} for path: '${path}': ${cause}`;
}

async function convertBack(converter: MutatingPolicyOptions['converter'], object: KubeObject | undefined, from: GroupVersionKind, to: GroupVersionKind): Promise<KubeObject | undefined> {
  if (!object || (from.group === to.group && from.version === to.version && from.kind === to.kind)) return object;
  return converter ? converter.convert(object, to) : { ...object, apiVersion: to.group ? `${to.group}/${to.version}` : to.version, kind: to.kind };
}

/**
 * kube's PolicyError: `policy 'p' with binding 'b' denied request: …`, which kube-apiserver v1.34.2
 * answers as a 403 whose reason is Invalid, the request's name and resource in its details.
 */
function denial(a: AdmissionAttributes, policy: Policy, binding: Binding | undefined, message: string): StatusError {
  const text = binding
    ? `policy '${policy.metadata?.name ?? ''}' with binding '${binding.metadata?.name ?? ''}' denied request: ${message}`
    : `policy ${JSON.stringify(policy.metadata?.name ?? '')} denied request: ${message}`;
  const err = new StatusError('KAPI_ERR_ADMISSION_DENIED', text, { name: admissionObjectName(a), ...(a.resource.group ? { group: a.resource.group } : {}), kind: a.resource.resource, causes: [{ message: text }] });
  return Object.assign(err, { reason: 'Invalid' as const });
}

const MUTATING_OPERATIONS: readonly Operation[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

/** The MutatingAdmissionPolicy plugin: joins the chain as a mutating plugin. */
export function MutatingAdmissionPolicy(options: MutatingPolicyOptions): AdmissionPlugin {
  const dispatcher = new MutatingPolicyDispatcher(options);
  return {
    name: MUTATING_ADMISSION_POLICY,
    handles: (operation) => MUTATING_OPERATIONS.includes(operation),
    admit: (attributes) => dispatcher.admit(attributes),
  };
}
