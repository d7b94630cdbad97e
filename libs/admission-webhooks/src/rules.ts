// Which requests a webhook's rules select, as kube's predicates/rules: a rule matches when its scope,
// operations, groups, versions and resources all do; `*` matches anything, `pods/*` every
// subresource of pods, `*/status` the status of anything, `*/*` everything.
import type { AdmissionAttributes, Operation } from '@kapi/admission-chain';
import type { GroupVersionKind, GroupVersionResource, RuleWithOperations } from './types.js';

/** What rule matching reads of a request; `resource` may be an equivalent of the request's own. */
export interface RuleTarget {
  operation: Operation;
  resource: GroupVersionResource;
  subresource: string;
  /** kube's GetNamespace(): empty for cluster-scoped objects; a Namespace's own name for namespaces. */
  namespace: string;
}

const isNamespaceResource = (r: GroupVersionResource) => r.group === '' && r.version === 'v1' && r.resource === 'namespaces';

/**
 * The namespace kube's admission attributes name: a Namespace's requests carry the namespace's own
 * name (kube-apiserver sends `namespace: <name>` for a Namespace's create, update and delete alike).
 */
export function requestNamespace(attributes: Pick<AdmissionAttributes, 'resource' | 'name'>): string {
  const { resource } = attributes;
  if (resource.namespace) return resource.namespace;
  return resource.group === '' && resource.resource === 'namespaces' ? attributes.name : '';
}

const exactOrWildcard = (items: readonly string[] | undefined, requested: string) => (items ?? []).some((item) => item === '*' || item === requested);

function scopeMatches(rule: RuleWithOperations, target: RuleTarget): boolean {
  switch (rule.scope ?? '*') {
    case '*':
      return true;
    case 'Namespaced':
      // A Namespace is cluster-scoped even though its requests name a namespace.
      return !isNamespaceResource(target.resource) && target.namespace !== '';
    case 'Cluster':
      return isNamespaceResource(target.resource) || target.namespace === '';
    default:
      return false;
  }
}

function resourceMatches(rule: RuleWithOperations, target: RuleTarget): boolean {
  return (rule.resources ?? []).some((entry) => {
    const slash = entry.indexOf('/');
    const resource = slash < 0 ? entry : entry.slice(0, slash);
    const subresource = slash < 0 ? '' : entry.slice(slash + 1);
    return (resource === '*' || resource === target.resource.resource) && (subresource === '*' || subresource === target.subresource);
  });
}

export function ruleMatches(rule: RuleWithOperations, target: RuleTarget): boolean {
  return (
    scopeMatches(rule, target) &&
    (rule.operations ?? []).some((op) => op === '*' || op === target.operation) &&
    exactOrWildcard(rule.apiGroups, target.resource.group) &&
    exactOrWildcard(rule.apiVersions, target.resource.version) &&
    resourceMatches(rule, target)
  );
}

const ADMISSION_CONFIGURATION_KINDS = new Set([
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'MutatingAdmissionPolicy',
  'MutatingAdmissionPolicyBinding',
]);

/**
 * Webhook configurations and admission policies are never sent to webhooks, so that a broken
 * webhook can always be removed or fixed.
 */
export function isExemptAdmissionConfigurationResource(kind: GroupVersionKind): boolean {
  return kind.group === 'admissionregistration.k8s.io' && ADMISSION_CONFIGURATION_KINDS.has(kind.kind);
}
