import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@kapi/config';
import { eventRateLimit, parseEventRateLimitConfiguration } from './event-rate-limit.js';
import { attributes, fakeContext, refusal } from './testing.fixture.js';

const event = (namespace: string, username = 'kubelet') => ({
  ...attributes('CREATE', 'events', { namespace, object: { metadata: { name: 'e' }, source: { component: 'kubelet' }, involvedObject: { kind: 'Pod', name: 'p' } } }),
  user: { username, groups: [] },
});

describe('EventRateLimit', () => {
  it('admits a burst per namespace, refills at its rate, and words a refusal as kube does', async () => {
    let now = 0;
    const config = { limits: [{ type: 'Namespace', qps: 1, burst: 2 }] };
    const plugin = eventRateLimit(fakeContext({ settings: { pluginConfig: () => config }, now: () => now }));
    await plugin.validate!(event('a'));
    await plugin.validate!(event('a'));
    assert.deepEqual(await refusal(plugin.validate!(event('a'))), [429, 'TooManyRequests', 'Too many requests: limit reached on type Namespace for key a']);
    // Another namespace has its own bucket; a second later there is a token again.
    await plugin.validate!(event('b'));
    now += 1000;
    await plugin.validate!(event('a'));
    // Dry runs and other kinds are not counted.
    await plugin.validate!({ ...event('a'), dryRun: true });
    await plugin.validate!(attributes('CREATE', 'configmaps', { namespace: 'a', object: { metadata: { name: 'c' } } }));
  });

  it('lists every limit reached', async () => {
    const config = { limits: [{ type: 'Server', qps: 1, burst: 1 }, { type: 'User', qps: 1, burst: 1 }] };
    const plugin = eventRateLimit(fakeContext({ settings: { pluginConfig: () => config }, now: () => 0 }));
    await plugin.validate!(event('a'));
    assert.equal((await refusal(plugin.validate!(event('a'))))[2], 'Too many requests: [limit reached on type Server for key , limit reached on type User for key kubelet]');
  });

  it('needs a configuration, and refuses a bad one in kube\'s words', () => {
    assert.throws(() => eventRateLimit(fakeContext()), ConfigError);
    assert.throws(() => parseEventRateLimitConfiguration({ limits: [] }), /EventRateLimit: invalid configuration: limits: Invalid value: null: must not be empty/);
    assert.throws(
      () => parseEventRateLimitConfiguration({ limits: [{ type: 'Pod', qps: 1, burst: 0 }] }),
      /\[limits\[0\]\.type: Unsupported value: "Pod": supported values: "Namespace", "Server", "SourceAndObject", "User", limits\[0\]\.burst: Invalid value: 0: must be positive\]/,
    );
  });
});
