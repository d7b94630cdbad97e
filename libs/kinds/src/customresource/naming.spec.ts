import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { crdNamesAndConditions, crdStatusIsCurrent } from './naming.js';
import type { CustomResourceDefinition } from './strategy.js';
import { widgetsCrd } from './testdata.js';

const NOW = '2026-12-07T19:20:35Z';
const fresh = (name: string, names: Record<string, unknown>): CustomResourceDefinition => ({
  metadata: { name },
  spec: { group: 'demo.kapi.io', names },
  status: { acceptedNames: { plural: '', kind: '' }, storedVersions: ['v1'] },
});
const summary = (cs: { type?: string; status?: string; reason?: string; message?: string }[]) => cs.map((c) => [c.type, c.status, c.reason, c.message]);

describe('crdNamesAndConditions', () => {
  it('accepts the names of a CRD nobody else uses and establishes it, as kube words it', () => {
    const crd = fresh('widgets.demo.kapi.io', { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList', shortNames: ['wd'], categories: ['all'] });
    const change = crdNamesAndConditions(crd, [crd], NOW);
    assert.deepEqual(change.acceptedNames, { plural: 'widgets', kind: 'Widget', singular: 'widget', shortNames: ['wd'], listKind: 'WidgetList', categories: ['all'] });
    assert.deepEqual(summary(change.conditions), [
      ['NamesAccepted', 'True', 'NoConflicts', 'no conflicts found'],
      ['Established', 'True', 'InitialNamesAccepted', 'the initial names have been accepted'],
    ]);
    assert.equal(change.conditions[0].lastTransitionTime, NOW);
  });

  it('reports the last conflict with another CRD of the group and keeps the names it cannot take', () => {
    const crd = fresh('gadgets.demo.kapi.io', { plural: 'gadgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList', shortNames: ['wd', 'gd'] });
    const change = crdNamesAndConditions(crd, [widgetsCrd(), crd], NOW);
    assert.deepEqual(change.acceptedNames, { plural: 'gadgets', kind: '' });
    assert.deepEqual(summary(change.conditions), [
      ['NamesAccepted', 'False', 'ListKindConflict', '"WidgetList" is already in use'],
      ['Established', 'False', 'NotAccepted', 'not all names are accepted'],
    ]);
  });

  it('reports short names in use, and ignores other groups', () => {
    const crd = fresh('gizmos.demo.kapi.io', { plural: 'gizmos', kind: 'Gizmo', shortNames: ['wd'] });
    assert.deepEqual(summary(crdNamesAndConditions(crd, [widgetsCrd(), crd], NOW).conditions)[0], ['NamesAccepted', 'False', 'ShortNamesConflict', '"wd" is already in use']);
    const elsewhere = { ...crd, spec: { ...crd.spec, group: 'other.kapi.io' } };
    assert.equal(crdNamesAndConditions(elsewhere, [widgetsCrd(), elsewhere], NOW).conditions[0].status, 'True');
  });

  it('keeps an established CRD established and its transition times, and knows when nothing changes', () => {
    const crd = widgetsCrd();
    const once = crdNamesAndConditions(crd, [crd], NOW);
    const written = { ...crd, status: { ...crd.status, ...once } };
    const again = crdNamesAndConditions(written, [written], '2026-12-07T20:00:00Z');
    assert.equal(again.conditions[0].lastTransitionTime, NOW);
    assert.equal(crdStatusIsCurrent(written, again), true);
    assert.equal(crdStatusIsCurrent(crd, once), false);
  });
});
