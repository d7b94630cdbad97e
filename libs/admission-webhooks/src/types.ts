// admissionregistration.k8s.io/v1 webhook configurations as admission reads them: stored objects,
// defaulted (libs/kinds applies v1's defaults on write), so every field is read defensively.
import type { GroupVersionKind, GroupVersionResource, KubeObject } from '@kapi/api-machinery';
import type { LabelSelectorObject } from '@kapi/kinds';
import type { WebhookClientConfig } from '@kapi/webhook-client';

export type { GroupVersionKind, GroupVersionResource, KubeObject, LabelSelectorObject };

export interface RuleWithOperations {
  operations?: string[];
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  /** `*` (the default), `Cluster` or `Namespaced`. */
  scope?: string;
}

export interface MatchCondition {
  name: string;
  expression: string;
}

export type FailurePolicy = 'Fail' | 'Ignore';

/** A ValidatingWebhook; a MutatingWebhook is the same with a reinvocationPolicy. */
export interface AdmissionWebhook {
  name?: string;
  clientConfig?: WebhookClientConfig;
  rules?: RuleWithOperations[];
  failurePolicy?: string;
  matchPolicy?: string;
  namespaceSelector?: LabelSelectorObject;
  objectSelector?: LabelSelectorObject;
  sideEffects?: string;
  timeoutSeconds?: number;
  admissionReviewVersions?: string[];
  matchConditions?: MatchCondition[];
  /** Mutating webhooks only: `Never` (the default) or `IfNeeded`. */
  reinvocationPolicy?: string;
}

/** A MutatingWebhookConfiguration or ValidatingWebhookConfiguration. */
export interface WebhookConfiguration extends KubeObject {
  webhooks?: AdmissionWebhook[];
}
