// The webhooks admission calls, in kube's order: configurations sorted by name, each one's webhooks
// in list order, each known by a uid `<configuration>/<webhook>/<n>` (webhook names repeat across
// configurations, and are not checked for uniqueness within one either). A configuration is
// compiled once per stored version: its selectors parsed, its failure policy read.
import { parseLabelSelector, type LabelSelector } from '@kapi/api-machinery';
import { isEmptySelector, selectorString } from '@kapi/kinds';
import type { AdmissionWebhook, FailurePolicy, LabelSelectorObject, WebhookConfiguration } from './types.js';

/** The webhook configurations of one kind, as stored now; e.g. read from a watch cache. */
export interface WebhookConfigurationSource {
  list(): readonly WebhookConfiguration[] | Promise<readonly WebhookConfiguration[]>;
  /** Whether the source has caught up with storage: admission waits up to 10 s for it, as kube's WaitForReady. */
  hasSynced?(): boolean;
}

/** A selector as compiled: the selector, or why it cannot be one (an internal error when it matters). */
export type CompiledSelector = { selector: LabelSelector; empty: boolean } | { error: string };

export interface WebhookAccessor {
  uid: string;
  configurationName: string;
  name: string;
  webhook: AdmissionWebhook;
  failurePolicy: FailurePolicy;
  namespaceSelector: CompiledSelector;
  objectSelector: CompiledSelector;
}

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/** metav1.LabelSelectorAsSelector: no selector at all and `{}` both select everything. */
export function compileSelector(selector: LabelSelectorObject | undefined): CompiledSelector {
  try {
    for (const r of selector?.matchExpressions ?? []) {
      if (!OPERATORS.has(r.operator ?? '')) return { error: `${JSON.stringify(r.operator ?? '')} is not a valid label selector operator` };
    }
    return { selector: parseLabelSelector(selectorString(selector)), empty: isEmptySelector(selector) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function compile(configuration: WebhookConfiguration): WebhookAccessor[] {
  const configurationName = configuration.metadata?.name ?? '';
  const seen = new Map<string, number>();
  return (Array.isArray(configuration.webhooks) ? configuration.webhooks : []).map((webhook) => {
    const name = webhook?.name ?? '';
    const n = seen.get(name) ?? 0;
    seen.set(name, n + 1);
    return {
      uid: `${configurationName}/${name}/${n}`,
      configurationName,
      name,
      webhook,
      // Unset means Fail, v1's default.
      failurePolicy: webhook?.failurePolicy === 'Ignore' ? 'Ignore' : 'Fail',
      namespaceSelector: compileSelector(webhook?.namespaceSelector),
      objectSelector: compileSelector(webhook?.objectSelector),
    };
  });
}

const byName = (a: WebhookConfiguration, b: WebhookConfiguration) => {
  const x = a.metadata?.name ?? '';
  const y = b.metadata?.name ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
};

/** Compiles configurations into the ordered webhook list, reusing what it compiled for an unchanged configuration. */
export class WebhookCompiler {
  private cache = new Map<string, WebhookAccessor[]>();

  accessors(configurations: readonly WebhookConfiguration[]): WebhookAccessor[] {
    const next = new Map<string, WebhookAccessor[]>();
    const out: WebhookAccessor[] = [];
    for (const configuration of [...configurations].sort(byName)) {
      const m = configuration.metadata;
      // A stored version is named by its uid and resourceVersion; anything else is compiled afresh.
      const key = m?.resourceVersion ? `${m.name}\u0000${m.uid ?? ''}\u0000${m.resourceVersion}` : undefined;
      const compiled = (key && (next.get(key) ?? this.cache.get(key))) || compile(configuration);
      if (key) next.set(key, compiled);
      out.push(...compiled);
    }
    this.cache = next;
    return out;
  }
}

export function isSelectorEmpty(compiled: CompiledSelector): boolean {
  return 'empty' in compiled && compiled.empty;
}
