import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SERVICE_ENV_KEYS, childEnvironment, serviceEnvironment } from './service-env';
import { statePaths } from './state-dir';
import { findInstance, resolveTopology } from './topology';

describe('service environment contract', () => {
  const topology = resolveTopology({ replicas: { registry: 2 } });
  const paths = statePaths('/srv/kapi-state');

  test('a backend service learns its identity, every peer address and the shared infrastructure', () => {
    const env = serviceEnvironment(topology, findInstance(topology, 'registry-1')!, paths);
    assert.deepEqual(env, {
      KAPI_SERVICE_NAME: 'registry',
      KAPI_INSTANCE: 'registry-1',
      KAPI_LISTEN: '127.0.0.1:50154',
      KAPI_METRICS_LISTEN: '127.0.2.1:50154',
      KAPI_AUTHN_ADDR: '127.0.0.1:50051',
      KAPI_AUTHZ_ADDR: '127.0.0.1:50052',
      KAPI_ADMISSION_ADDR: '127.0.0.1:50053',
      KAPI_REGISTRY_ADDR: '127.0.0.1:50054,127.0.0.1:50154',
      KAPI_WATCH_CACHE_ADDR: '127.0.0.1:50055',
      KAPI_ETCD_ENDPOINTS: 'http://127.0.0.1:2379',
      KAPI_NATS_URL: 'nats://127.0.0.1:4222',
      KAPI_SERVICES_CA_FILE: '/srv/kapi-state/pki/services/ca.crt',
      KAPI_SERVICE_CERT_FILE: '/srv/kapi-state/pki/services/registry.crt',
      KAPI_SERVICE_KEY_FILE: '/srv/kapi-state/pki/services/registry.key',
      KAPI_PKI_DIR: '/srv/kapi-state/pki',
      KAPI_TRACE_FILE: '/srv/kapi-state/logs/registry-1.traces.jsonl',
      KAPI_STATE_DIR: '/srv/kapi-state',
    });
  });

  test("each service gets its own identity's certificate and key, and the services CA", () => {
    for (const instance of topology.services) {
      const env = serviceEnvironment(topology, instance, paths);
      assert.equal(env.KAPI_SERVICE_CERT_FILE, `/srv/kapi-state/pki/services/${instance.service}.crt`, instance.instance);
      assert.equal(env.KAPI_SERVICE_KEY_FILE, `/srv/kapi-state/pki/services/${instance.service}.key`, instance.instance);
      assert.equal(env.KAPI_SERVICES_CA_FILE, '/srv/kapi-state/pki/services/ca.crt');
    }
  });

  test('only front doors get an advertise address, which is their own listen address', () => {
    const env = serviceEnvironment(topology, findInstance(topology, 'aggregator-1')!, paths);
    assert.equal(env.KAPI_LISTEN, '127.0.0.3:6443');
    assert.equal(env.KAPI_ADVERTISE_ADDRESS, '127.0.0.3');
    assert.equal(serviceEnvironment(topology, findInstance(topology, 'authn-0')!, paths).KAPI_ADVERTISE_ADDRESS, undefined);
  });

  test('every value produced belongs to the documented key set', () => {
    for (const instance of topology.services) {
      for (const key of Object.keys(serviceEnvironment(topology, instance, paths))) {
        assert.ok((SERVICE_ENV_KEYS as readonly string[]).includes(key), key);
      }
    }
  });

  test('inherited contract variables are replaced, unrelated ones kept', () => {
    const contract = serviceEnvironment(topology, findInstance(topology, 'authn-0')!, paths);
    const env = childEnvironment({ PATH: '/bin', KAPI_ADVERTISE_ADDRESS: '10.0.0.1', KAPI_LISTEN: 'stale', KAPI_LOG_LEVEL: 'debug' }, contract);
    assert.equal(env.PATH, '/bin');
    assert.equal(env.KAPI_LOG_LEVEL, 'debug');
    assert.equal(env.KAPI_LISTEN, '127.0.0.1:50051');
    assert.ok(!('KAPI_ADVERTISE_ADDRESS' in env));
  });
});
