import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { emptyOutcome } from './aggregated-namespace-content.js';
import { contentGone, namespaceDeletionConditions, sameConditions } from './namespace-deletion-conditions.js';

const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:01:00Z';

describe('namespaceDeletionConditions', () => {
  it('all five False with kube\'s ok reasons when everything went', () => {
    const outcome = emptyOutcome();
    assert.ok(contentGone(outcome));
    assert.deepEqual(namespaceDeletionConditions(outcome, [], T0), [
      { type: 'NamespaceDeletionDiscoveryFailure', status: 'False', lastTransitionTime: T0, reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
      { type: 'NamespaceDeletionGroupVersionParsingFailure', status: 'False', lastTransitionTime: T0, reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' },
      { type: 'NamespaceDeletionContentFailure', status: 'False', lastTransitionTime: T0, reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
      { type: 'NamespaceContentRemaining', status: 'False', lastTransitionTime: T0, reason: 'ContentRemoved', message: 'All content successfully removed' },
      { type: 'NamespaceFinalizersRemaining', status: 'False', lastTransitionTime: T0, reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished' },
    ]);
  });

  it('kube\'s failure reasons and messages, sorted', () => {
    const outcome = emptyOutcome();
    outcome.discoveryFailures.push('wardle.example.com/v1beta1: stale GroupVersion discovery: wardle.example.com/v1beta1', 'wardle.example.com/v1alpha1: stale GroupVersion discovery: wardle.example.com/v1alpha1');
    outcome.deletionFailures.push('DELETE /apis/x/v1/namespaces/zoo/things: 500');
    outcome.remaining.set('flunders.wardle.example.com', 1).set('configmaps.', 2);
    outcome.finalizers.set('example.com/hold', 1);
    assert.ok(!contentGone(outcome));
    assert.deepEqual(
      namespaceDeletionConditions(outcome, [], T0).map((c) => [c.type, c.status, c.reason, c.message]),
      [
        [
          'NamespaceDeletionDiscoveryFailure',
          'True',
          'DiscoveryFailed',
          'Discovery failed for some groups, 2 failing: unable to retrieve the complete list of server APIs: wardle.example.com/v1alpha1: stale GroupVersion discovery: wardle.example.com/v1alpha1, wardle.example.com/v1beta1: stale GroupVersion discovery: wardle.example.com/v1beta1',
        ],
        ['NamespaceDeletionGroupVersionParsingFailure', 'False', 'ParsedGroupVersions', 'All legacy kube types successfully parsed'],
        ['NamespaceDeletionContentFailure', 'True', 'ContentDeletionFailed', 'Failed to delete all resource types, 1 remaining: DELETE /apis/x/v1/namespaces/zoo/things: 500'],
        ['NamespaceContentRemaining', 'True', 'SomeResourcesRemain', 'Some resources are remaining: configmaps. has 2 resource instances, flunders.wardle.example.com has 1 resource instances'],
        ['NamespaceFinalizersRemaining', 'True', 'SomeFinalizersRemain', 'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances'],
      ],
    );
  });

  it('a condition keeps its transition time until its status changes', () => {
    const failing = emptyOutcome();
    failing.discoveryFailures.push('a/v1: stale GroupVersion discovery: a/v1');
    const first = namespaceDeletionConditions(failing, [], T0);
    const again = namespaceDeletionConditions(failing, first, T1);
    assert.ok(sameConditions(first, again));
    assert.deepEqual(again.map((c) => c.lastTransitionTime), [T0, T0, T0, T0, T0]);
    const recovered = namespaceDeletionConditions(emptyOutcome(), again, T1);
    assert.ok(!sameConditions(again, recovered));
    assert.deepEqual(recovered.map((c) => c.lastTransitionTime), [T1, T0, T0, T0, T0]);
  });
});
