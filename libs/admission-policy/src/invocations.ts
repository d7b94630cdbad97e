// Which (policy, binding, param) triples apply to a request (kube's policy dispatchers, shared by
// both policy kinds): policies by name, each matched by its matchConstraints, then its bindings by
// name, each matched by its matchResources, then the params the binding selects. What cannot be
// decided (a selector that does not parse, params of an unknown kind) is a configuration error,
// which the policy's failurePolicy turns into a denial or ignores.
import type { AdmissionAttributes } from '@kapi/admission-chain';
import { admissionRequest, isExemptAdmissionConfigurationResource, type ObjectConverter } from '@kapi/admission-webhooks';
import { apiVersionOf, type GroupVersionKind } from '@kapi/api-machinery';
import type { AdmissionRequestJSON } from '@kapi/cel';
import { matches, ruleTarget, type Matcher, type MatchOutcome } from './matching.js';
import { collectParams, type ParamSource } from './params.js';
import type { BindingLike, KubeObject, PolicyLike } from './types.js';

/** The current policies and bindings of one kind, as the admission service's watch holds them. */
export interface PolicySource<P extends PolicyLike, B extends BindingLike> {
  snapshot(): { policies: readonly P[]; bindings: readonly B[] };
}

export interface ConfigurationError<P, B> {
  policy: P;
  binding?: B;
  /** `failed to configure policy: …` or `failed to configure binding: …`. */
  message: string;
}

/** The request as the policy's matched kind sees it. */
export interface VersionedRequest {
  match: MatchOutcome;
  object?: KubeObject;
  oldObject?: KubeObject;
  request: AdmissionRequestJSON;
}

export interface BindingInvocation<P, B> {
  policy: P;
  binding: B;
  versioned: VersionedRequest;
  params: (KubeObject | null)[];
}

export interface SelectionOptions extends Matcher {
  params?: ParamSource;
  converter?: ObjectConverter;
}

const byName = <T extends KubeObject>(a: T, b: T) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : (a.metadata?.name ?? '') > (b.metadata?.name ?? '') ? 1 : 0);
const sameKind = (a: GroupVersionKind, b: GroupVersionKind) => a.group === b.group && a.version === b.version && a.kind === b.kind;

async function convert(converter: ObjectConverter | undefined, object: KubeObject | undefined, from: GroupVersionKind, to: GroupVersionKind): Promise<KubeObject | undefined> {
  if (!object || sameKind(from, to)) return object;
  if (converter) return converter.convert(object, to);
  if (from.group !== to.group || from.kind !== to.kind) throw new Error(`converting (${apiVersionOf(from)}, Kind=${from.kind}) to (${apiVersionOf(to)}, Kind=${to.kind}): unknown conversion`);
  return { ...object, apiVersion: apiVersionOf(to), kind: to.kind };
}

export async function versionedRequest(a: AdmissionAttributes, match: MatchOutcome, converter: ObjectConverter | undefined): Promise<VersionedRequest> {
  const object = await convert(converter, a.object, a.kind, match.kind);
  const oldObject = await convert(converter, a.oldObject, a.kind, match.kind);
  const { uid: _uid, object: _o, oldObject: _oo, ...request } = admissionRequest(a, { kind: match.kind, resource: match.resource, subresource: a.subresource });
  return { match, object, oldObject, request: request as AdmissionRequestJSON };
}

export async function selectInvocations<P extends PolicyLike, B extends BindingLike>(
  a: AdmissionAttributes,
  source: PolicySource<P, B>,
  options: SelectionOptions,
): Promise<{ invocations: BindingInvocation<P, B>[]; errors: ConfigurationError<P, B>[] }> {
  const invocations: BindingInvocation<P, B>[] = [];
  const errors: ConfigurationError<P, B>[] = [];
  // Webhook configurations and admission policies are never subject to admission policies.
  if (isExemptAdmissionConfigurationResource(a.kind)) return { invocations, errors };
  const { policies, bindings } = source.snapshot();
  const fail = (policy: P, binding: B | undefined, err: unknown) =>
    errors.push({ policy, ...(binding ? { binding } : {}), message: `failed to configure ${binding ? 'binding' : 'policy'}: ${err instanceof Error ? err.message : String(err)}` });
  for (const policy of [...policies].sort(byName)) {
    let match: MatchOutcome;
    try {
      match = await matches(policy.spec?.matchConstraints, a, options);
    } catch (err) {
      fail(policy, undefined, err);
      continue;
    }
    if (!match.matches) continue;
    let versioned: VersionedRequest | undefined;
    const own = bindings.filter((b) => b.spec?.policyName === policy.metadata?.name).sort(byName);
    for (const binding of own) {
      try {
        if (!(await matches(binding.spec?.matchResources, a, options)).matches) continue;
      } catch (err) {
        fail(policy, binding, err);
        continue;
      }
      try {
        versioned ??= await versionedRequest(a, match, options.converter);
      } catch (err) {
        fail(policy, undefined, new Error(`failed to convert object version: ${err instanceof Error ? err.message : String(err)}`));
        break;
      }
      try {
        const params = await collectParams(policy.spec?.paramKind, binding.spec?.paramRef, ruleTarget(a).namespace, options.params);
        if (params.length) invocations.push({ policy, binding, versioned, params });
      } catch (err) {
        fail(policy, binding, err);
      }
    }
  }
  return { invocations, errors };
}

/** The Namespace as `namespaceObject` shows it (kube's CreateNamespaceObject): metadata, spec and status. */
export function namespaceObject(ns: KubeObject | undefined): KubeObject | undefined {
  if (!ns) return undefined;
  const m = ns.metadata ?? {};
  const pick = (keys: string[]) => Object.fromEntries(keys.filter((k) => (m as Record<string, unknown>)[k] !== undefined).map((k) => [k, (m as Record<string, unknown>)[k]]));
  return {
    metadata: pick(['name', 'generateName', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'finalizers']),
    ...(ns.spec !== undefined ? { spec: ns.spec } : {}),
    ...(ns.status !== undefined ? { status: ns.status } : {}),
  } as KubeObject;
}
