import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { admitWithReinvocation, WebhookReinvocationState } from './reinvocation.js';
import { configMap, request } from './test-support.fixture.js';

describe('admitWithReinvocation', () => {
  it('runs the mutating plugins once when none asks for more', async () => {
    const runs: boolean[] = [];
    await admitWithReinvocation(request('CREATE', configMap()), async (a) => (runs.push(a.reinvocation!.isReinvoke()), a.object));
    assert.deepEqual(runs, [false]);
  });

  it('runs them a second time, on the first run\'s result, when one asks, and never a third', async () => {
    const seen: (string | undefined)[] = [];
    const out = await admitWithReinvocation(request('CREATE', configMap()), async (a) => {
      seen.push(a.object?.metadata?.labels?.round);
      a.reinvocation!.setShouldReinvoke();
      return { ...a.object, metadata: { ...a.object?.metadata, labels: { round: a.reinvocation!.isReinvoke() ? '2' : '1' } } };
    });
    assert.deepEqual(seen, [undefined, '1']);
    assert.equal(out?.metadata?.labels?.round, '2');
  });
});

describe('WebhookReinvocationState', () => {
  it('marks for the second round the reinvocable webhooks that ran before a change, and only those', () => {
    const state = new WebhookReinvocationState();
    state.addReinvocableWebhookToPreviouslyInvoked('a');
    state.requireReinvokingPreviouslyInvoked();
    state.addReinvocableWebhookToPreviouslyInvoked('b');
    assert.equal(state.shouldReinvokeWebhook('a'), true);
    assert.equal(state.shouldReinvokeWebhook('b'), false);
  });

  it('tells whether the object changed since the webhooks last left it', () => {
    const state = new WebhookReinvocationState();
    const cm = configMap();
    state.setLastInvocationOutput(cm);
    cm.metadata!.labels = { changed: 'later' };
    assert.equal(state.outputChangedSinceLastInvocation(configMap()), false, 'a copy was kept, not the object itself');
    assert.equal(state.outputChangedSinceLastInvocation(cm), true);
  });
});
