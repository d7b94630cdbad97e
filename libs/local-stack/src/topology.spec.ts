import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StackError } from './errors';
import { instancesOf, listeningAddresses, resolveTopology, topologyOptionsFromEnv } from './topology';

describe('resolveTopology', () => {
  test('default topology matches the documented ports and addresses', () => {
    const topology = resolveTopology();
    assert.deepEqual(topology.etcd, { host: '127.0.0.1', clientPort: 2379, peerPort: 2380 });
    assert.deepEqual(topology.nats, { host: '127.0.0.1', port: 4222, monitorPort: 8222 });
    assert.deepEqual(topology.loadBalancer, { host: '127.0.0.1', port: 6443 });
    const listen = Object.fromEntries(topology.services.map((s) => [s.instance, `${s.listen.host}:${s.listen.port}`]));
    assert.deepEqual(listen, {
      'registry-0': '127.0.0.1:50054',
      'watch-cache-0': '127.0.0.1:50055',
      'authn-0': '127.0.0.1:50051',
      'authz-0': '127.0.0.1:50052',
      'admission-0': '127.0.0.1:50053',
      'aggregator-0': '127.0.0.2:6443',
      'aggregator-1': '127.0.0.3:6443',
    });
  });

  test('services are listed in start order: registry first, front doors last', () => {
    const order = resolveTopology().services.map((s) => s.service);
    assert.equal(order[0], 'registry');
    assert.deepEqual(order.slice(-2), ['aggregator', 'aggregator']);
  });

  test('replica i of a backend service listens on base + 100 * i', () => {
    const topology = resolveTopology({ replicas: { registry: 3, authn: 2 } });
    assert.deepEqual(instancesOf(topology, 'registry').map((s) => s.listen.port), [50054, 50154, 50254]);
    assert.deepEqual(instancesOf(topology, 'authn').map((s) => s.instance), ['authn-0', 'authn-1']);
  });

  test('front door replicas get consecutive loopback addresses from the base', () => {
    const topology = resolveTopology({ replicas: { aggregator: 3 }, frontDoorBaseAddress: '127.0.1.2', frontDoorPort: 7443 });
    assert.deepEqual(instancesOf(topology, 'aggregator').map((s) => `${s.listen.host}:${s.listen.port}`), [
      '127.0.1.2:7443',
      '127.0.1.3:7443',
      '127.0.1.4:7443',
    ]);
  });

  test('explicit per-replica ports are used as given and must match the replica count', () => {
    const topology = resolveTopology({ replicas: { authz: 2 }, servicePorts: { authz: [41000, 42000] } });
    assert.deepEqual(instancesOf(topology, 'authz').map((s) => s.listen.port), [41000, 42000]);
    assert.throws(() => resolveTopology({ servicePorts: { authz: [1, 2] } }), /authz has 1 replicas but 2 ports/);
  });

  test('rejects two processes on one address and non-positive replica counts', () => {
    assert.throws(() => resolveTopology({ natsPort: 2379 }), (error: Error) => {
      assert.ok(error instanceof StackError);
      assert.match(error.message, /127\.0\.0\.1:2379 is assigned to both etcd and nats/);
      return true;
    });
    assert.throws(() => resolveTopology({ replicas: { aggregator: 0 } }), /replica count of aggregator/);
  });

  test('lists every address the stack binds, with its owner', () => {
    const owners = listeningAddresses(resolveTopology()).map((a) => `${a.owner}@${a.host}:${a.port}`);
    assert.ok(owners.includes('etcd@127.0.0.1:2379'));
    assert.ok(owners.includes('haproxy@127.0.0.1:6443'));
    assert.ok(owners.includes('aggregator-1@127.0.0.3:6443'));
    assert.equal(owners.length, 4 + 7 + 1);
  });
});

describe('topologyOptionsFromEnv', () => {
  test('reads replica counts in both spellings and port overrides', () => {
    const options = topologyOptionsFromEnv({
      KAPI_AGGREGATOR_REPLICAS: '3',
      KAPI_REPLICAS_WATCH_CACHE: '2',
      KAPI_REGISTRY_PORT: '60000',
      KAPI_ETCD_PORT: '12379',
      KAPI_LB_PORT: '16443',
      KAPI_FRONT_DOOR_ADDRESS: '127.0.2.2',
    });
    assert.deepEqual(options, {
      replicas: { aggregator: 3, 'watch-cache': 2 },
      servicePorts: { registry: 60000 },
      etcdClientPort: 12379,
      loadBalancerPort: 16443,
      frontDoorBaseAddress: '127.0.2.2',
    });
  });

  test('KAPI_EXAMPLE_WEBHOOK=true adds the example webhook on the backends\' address, 8443 unless KAPI_EXAMPLE_WEBHOOK_PORT says', () => {
    assert.equal(resolveTopology(topologyOptionsFromEnv({})).exampleWebhook, undefined);
    assert.equal(resolveTopology(topologyOptionsFromEnv({ KAPI_EXAMPLE_WEBHOOK: 'false' })).exampleWebhook, undefined);
    const topology = resolveTopology(topologyOptionsFromEnv({ KAPI_EXAMPLE_WEBHOOK: 'true' }));
    assert.deepEqual(topology.exampleWebhook, { host: '127.0.0.1', port: 8443 });
    assert.deepEqual(listeningAddresses(topology).at(-1), { host: '127.0.0.1', port: 8443, owner: 'example-webhook' });
    const moved = resolveTopology(topologyOptionsFromEnv({ KAPI_EXAMPLE_WEBHOOK: 'true', KAPI_EXAMPLE_WEBHOOK_PORT: '9443' }));
    assert.deepEqual(moved.exampleWebhook, { host: '127.0.0.1', port: 9443 });
    assert.throws(() => topologyOptionsFromEnv({ KAPI_EXAMPLE_WEBHOOK: 'yes' }), /^StackError: KAPI_EXAMPLE_WEBHOOK=yes is invalid: expected true or false$/);
    assert.throws(() => resolveTopology({ exampleWebhook: true, exampleWebhookPort: 50054 }), /address 127.0.0.1:50054 is assigned to both registry-0 and example-webhook/);
  });

  test('an empty environment yields the defaults', () => {
    assert.deepEqual(topologyOptionsFromEnv({}), {});
  });

  test('rejects malformed values with a one-line message naming the variable', () => {
    assert.throws(() => topologyOptionsFromEnv({ KAPI_AUTHN_REPLICAS: 'two' }), /^StackError: KAPI_AUTHN_REPLICAS=two is invalid/);
    assert.throws(() => topologyOptionsFromEnv({ KAPI_NATS_PORT: '70000' }), /KAPI_NATS_PORT=70000 is invalid/);
    assert.throws(() => topologyOptionsFromEnv({ KAPI_LB_ADDRESS: 'localhost' }), /expected an IPv4 address/);
  });
});
