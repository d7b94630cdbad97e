import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Topology } from '@kapi/local-stack';
import { localKillPlan, rollingRestartOrder } from './local-kills.js';

const topology = {
  services: ['aggregator', 'authn', 'authz', 'admission', 'registry', 'watch-cache'].flatMap((service) => [0, 1].map((i) => ({ service, instance: `${service}-${i}` }))),
} as unknown as Topology;

describe('the local kills', () => {
  it('kill the last replica of each service from the front door inwards, then NATS and etcd', () => {
    assert.deepEqual(
      localKillPlan(topology).map((t) => t.instance),
      ['aggregator-1', 'authn-1', 'authz-1', 'admission-1', 'registry-1', 'watch-cache-1', 'nats', 'etcd'],
    );
  });

  it('restart every replica in turn, the backends from the bottom up and the front doors last', () => {
    assert.deepEqual(rollingRestartOrder(topology), [
      'watch-cache-0',
      'watch-cache-1',
      'registry-0',
      'registry-1',
      'admission-0',
      'admission-1',
      'authz-0',
      'authz-1',
      'authn-0',
      'authn-1',
      'aggregator-0',
      'aggregator-1',
    ]);
  });
});
