// Whether a policy's matchConstraints or a binding's matchResources select a request, as kube's
// admission/plugin/policy/matching: the namespace and object selectors first (their errors held
// back until the rules match), then excludeResourceRules, then resourceRules with resourceNames,
// and with `matchPolicy: Equivalent` the same resource through another group or version.
import type { AdmissionAttributes } from '@kapi/admission-chain';
import { compileSelector, requestNamespace, ruleMatches, type EquivalentResourceMapper, type RuleTarget } from '@kapi/admission-webhooks';
import { internalError, notFound, isStatusError, type GroupVersionKind, type GroupVersionResource, type StatusError } from '@kapi/api-machinery';
import type { KubeObject, MatchResources, NamedRuleWithOperations } from './types.js';

/** A namespace as the policy sees it: its labels select, and it is the `namespaceObject` variable. */
export interface NamespaceSource {
  /** The Namespace object, or undefined when it does not exist. */
  get(name: string): Promise<KubeObject | undefined>;
}

export interface MatchOutcome {
  matches: boolean;
  /** The resource and kind matched: the request's own, or an equivalent one. */
  resource: GroupVersionResource;
  kind: GroupVersionKind;
}

export interface Matcher {
  namespaces: NamespaceSource;
  equivalentResources?: EquivalentResourceMapper;
}

const labelsOf = (o: KubeObject | undefined | null) => o?.metadata?.labels ?? {};

export function ruleTarget(attributes: AdmissionAttributes): RuleTarget {
  const { group, version, resource } = attributes.resource;
  return { operation: attributes.operation, resource: { group, version, resource }, subresource: attributes.subresource, namespace: requestNamespace(attributes) };
}

const ownResource = (a: AdmissionAttributes): GroupVersionResource => ({ group: a.resource.group, version: a.resource.version, resource: a.resource.resource });

/** kube's namespace predicate: true, false, or the error to answer with should the rules match. */
async function matchNamespace(match: MatchResources, a: AdmissionAttributes, m: Matcher): Promise<boolean | StatusError> {
  const target = ruleTarget(a);
  const isNamespace = a.resource.resource === 'namespaces' && a.resource.group === '';
  if (!target.namespace && !isNamespace) return true;
  const compiled = compileSelector(match.namespaceSelector);
  if ('error' in compiled) return internalError(compiled.error);
  if (compiled.empty) return true;
  let labels: Record<string, string>;
  if (isNamespace && !a.subresource && (a.operation === 'CREATE' || a.operation === 'UPDATE')) {
    labels = labelsOf(a.object);
  } else {
    let ns: KubeObject | undefined;
    try {
      ns = await m.namespaces.get(target.namespace);
    } catch (err) {
      return isStatusError(err) ? err : internalError((err as Error).message, err);
    }
    if (!ns) return notFound({ group: '', resource: 'namespaces' }, target.namespace);
    labels = labelsOf(ns);
  }
  return compiled.selector.matches(labels);
}

/** kube's object predicate: the new object's labels or the old object's. */
function matchObject(match: MatchResources, a: AdmissionAttributes): boolean | StatusError {
  const compiled = compileSelector(match.objectSelector);
  if ('error' in compiled) return internalError(compiled.error);
  if (compiled.empty) return true;
  const fits = (o: KubeObject | undefined) => o !== undefined && o !== null && compiled.selector.matches(labelsOf(o));
  return fits(a.object) || fits(a.oldObject);
}

function matchesRules(rules: NamedRuleWithOperations[], match: MatchResources, a: AdmissionAttributes, m: Matcher): MatchOutcome {
  const target = ruleTarget(a);
  const own = { matches: true, resource: ownResource(a), kind: a.kind };
  for (const rule of rules) {
    if (!ruleMatches(rule, target)) continue;
    if (!rule.resourceNames?.length || rule.resourceNames.includes(a.name)) return own;
  }
  // The API defaults matchPolicy to Equivalent.
  if ((match.matchPolicy ?? 'Equivalent') === 'Exact' || !m.equivalentResources) return { ...own, matches: false };
  const mapper = m.equivalentResources;
  const equivalents = mapper.equivalentResourcesFor(target.resource, target.subresource);
  for (const rule of rules) {
    for (const resource of equivalents) {
      if (resource.group === target.resource.group && resource.version === target.resource.version && resource.resource === target.resource.resource) continue;
      if (!ruleMatches(rule, { ...target, resource })) continue;
      const kind = mapper.kindFor(resource, target.subresource);
      if (!kind) throw new Error(`unable to convert to ${resource.group}/${resource.version}, Resource=${resource.resource}: unknown kind`);
      return { matches: true, resource, kind };
    }
  }
  return { ...own, matches: false };
}

/** matching.Matcher.Matches: throws a StatusError (or an Error) for a configuration that cannot be matched. */
export async function matches(match: MatchResources | undefined, a: AdmissionAttributes, m: Matcher): Promise<MatchOutcome> {
  const own: MatchOutcome = { matches: true, resource: ownResource(a), kind: a.kind };
  if (!match) return own;
  const ns = await matchNamespace(match, a, m);
  if (ns === false) return { ...own, matches: false };
  const obj = matchObject(match, a);
  if (obj === false) return { ...own, matches: false };
  if (matchesRules(match.excludeResourceRules ?? [], { ...match }, a, m).matches) return { ...own, matches: false };
  const outcome = match.resourceRules?.length ? matchesRules(match.resourceRules, match, a, m) : own;
  if (!outcome.matches) return outcome;
  if (ns !== true) throw ns;
  if (obj !== true) throw obj;
  return outcome;
}
