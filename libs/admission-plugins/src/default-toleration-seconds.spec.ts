import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultTolerationSeconds } from './default-toleration-seconds.js';
import { taintNodesByCondition } from './taint-nodes-by-condition.js';
import { attributes, fakeContext } from './testing.fixture.js';

const create = (spec: Record<string, unknown>) => attributes('CREATE', 'pods', { namespace: 'ns', object: { metadata: { name: 'p' }, spec } });

describe('DefaultTolerationSeconds', () => {
  it('tolerates not-ready and unreachable nodes for five minutes unless the pod says otherwise', async () => {
    const plugin = defaultTolerationSeconds(fakeContext());
    const spec = (await plugin.admit!(create({})))!.spec as Record<string, unknown>;
    assert.deepEqual(spec.tolerations, [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
    const own = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 };
    const kept = (await plugin.admit!(create({ tolerations: [own] })))!.spec as Record<string, unknown>;
    assert.deepEqual(kept.tolerations, [own, { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]);
    // A toleration of every taint (no key, no effect) covers both.
    assert.equal(await plugin.admit!(create({ tolerations: [{ operator: 'Exists' }] })), undefined);
  });

  it('takes its seconds from the settings', async () => {
    const plugin = defaultTolerationSeconds(fakeContext({ settings: { defaultNotReadyTolerationSeconds: 60, defaultUnreachableTolerationSeconds: 30 } }));
    const spec = (await plugin.admit!(create({})))!.spec as { tolerations: { tolerationSeconds: number }[] };
    assert.deepEqual(spec.tolerations.map((t) => t.tolerationSeconds), [60, 30]);
  });
});

describe('TaintNodesByCondition', () => {
  it('taints a new node not-ready:NoSchedule once', async () => {
    const plugin = taintNodesByCondition();
    const node = (taints?: unknown[]) => attributes('CREATE', 'nodes', { object: { metadata: { name: 'n1' }, spec: taints ? { taints } : {} } });
    assert.deepEqual(((await plugin.admit!(node()))!.spec as { taints: unknown[] }).taints, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }]);
    assert.equal(await plugin.admit!(node([{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }])), undefined);
    assert.equal(plugin.handles('UPDATE'), false);
  });
});
