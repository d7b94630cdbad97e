// The conditions kube's namespace controller keeps on a Terminating namespace, with its types,
// reasons and messages: each of the five is True with the failure's reason while it fails, and False
// with its "ok" reason otherwise. lastTransitionTime changes only when a condition's status does.
import type { NamespaceContentOutcome } from './aggregated-namespace-content.js';

export interface NamespaceCondition {
  type: string;
  status: 'True' | 'False';
  lastTransitionTime?: string;
  reason: string;
  message: string;
}

const summary = (counts: Map<string, number>, text: (key: string, n: number) => string) =>
  [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, n]) => text(key, n))
    .join(', ');

/** The five conditions for what a deletion pass found; `previous` keeps transition times. */
export function namespaceDeletionConditions(outcome: NamespaceContentOutcome, previous: readonly NamespaceCondition[], now: string): NamespaceCondition[] {
  const discovery = [...outcome.discoveryFailures].sort();
  const wanted: Omit<NamespaceCondition, 'lastTransitionTime'>[] = [
    discovery.length
      ? {
          type: 'NamespaceDeletionDiscoveryFailure',
          status: 'True',
          reason: 'DiscoveryFailed',
          message: `Discovery failed for some groups, ${discovery.length} failing: unable to retrieve the complete list of server APIs: ${discovery.join(', ')}`,
        }
      : { type: 'NamespaceDeletionDiscoveryFailure', status: 'False', reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
    { type: 'NamespaceDeletionGroupVersionParsingFailure', status: 'False', reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' },
    outcome.deletionFailures.length
      ? {
          type: 'NamespaceDeletionContentFailure',
          status: 'True',
          reason: 'ContentDeletionFailed',
          message: `Failed to delete all resource types, ${outcome.deletionFailures.length} remaining: ${outcome.deletionFailures.join(', ')}`,
        }
      : { type: 'NamespaceDeletionContentFailure', status: 'False', reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
    outcome.remaining.size
      ? {
          type: 'NamespaceContentRemaining',
          status: 'True',
          reason: 'SomeResourcesRemain',
          message: `Some resources are remaining: ${summary(outcome.remaining, (gr, n) => `${gr} has ${n} resource instances`)}`,
        }
      : { type: 'NamespaceContentRemaining', status: 'False', reason: 'ContentRemoved', message: 'All content successfully removed' },
    outcome.finalizers.size
      ? {
          type: 'NamespaceFinalizersRemaining',
          status: 'True',
          reason: 'SomeFinalizersRemain',
          message: `Some content in the namespace has finalizers remaining: ${summary(outcome.finalizers, (f, n) => `${f} in ${n} resource instances`)}`,
        }
      : { type: 'NamespaceFinalizersRemaining', status: 'False', reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished' },
  ];
  return wanted.map((c) => {
    const before = previous.find((p) => p.type === c.type);
    return { type: c.type, status: c.status, lastTransitionTime: before && before.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : now, reason: c.reason, message: c.message };
  });
}

/** Whether two condition lists say the same (transition times aside). */
export function sameConditions(a: readonly NamespaceCondition[], b: readonly NamespaceCondition[]): boolean {
  return a.length === b.length && a.every((c, i) => c.type === b[i].type && c.status === b[i].status && c.reason === b[i].reason && c.message === b[i].message);
}

/** Whether the namespace may go: nothing left, nothing unknown, nothing failed. */
export const contentGone = (outcome: NamespaceContentOutcome) => !outcome.discoveryFailures.length && !outcome.deletionFailures.length && !outcome.remaining.size;
