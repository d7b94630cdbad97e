import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { admissionV1, authnV1, authzV1, healthV1, registryV1, watchcacheV1 } from '@kapi/proto';
import { ANY_IDENTITY, CALLERS, FRONT_DOORS, callRefusal, callersOf } from './callers.js';
import { SERVICE_IDENTITIES } from './identity.js';

const DEFINITIONS = [admissionV1.AdmissionService, authnV1.AuthenticationService, authzV1.AuthorizationService, healthV1.HealthService, registryV1.RegistryService, watchcacheV1.WatchCacheService];
const PATHS = DEFINITIONS.flatMap((definition) => Object.values(definition).map((method) => method.path));

/** The gRPC service behind the name a client gives `unary(…)` and `serverStream(…)`. */
const SERVICE_OF_CLIENT: Record<string, string> = {
  registry: 'kapi.registry.v1.Registry',
  authn: 'kapi.authn.v1.Authentication',
  authz: 'kapi.authz.v1.Authorization',
  admission: 'kapi.admission.v1.Admission',
  'watch-cache': 'kapi.watchcache.v1.WatchCache',
};

/** Every `unary('<service>', '<Method>'` and `serverStream('<service>', '<Method>'` in a service's own sources. */
function callsMadeBy(service: string): Array<{ file: string; path: string }> {
  const root = path.resolve(__dirname, '..', '..', '..', 'services', service, 'src');
  const calls: Array<{ file: string; path: string }> = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith('.ts') && !/\.(int-|e2e-)?spec\.ts$/.test(entry.name)) {
        for (const match of fs.readFileSync(file, 'utf8').matchAll(/\b(?:unary|serverStream)\(\s*'([a-z-]+)',\s*'([A-Za-z]+)'/g)) {
          calls.push({ file: path.relative(root, file), path: `/${SERVICE_OF_CLIENT[match[1]] ?? match[1]}/${match[2]}` });
        }
      }
    }
  };
  walk(root);
  return calls;
}

describe('the caller table', () => {
  it('names every method of every kapi gRPC service, and nothing else', () => {
    for (const methodPath of PATHS) assert.notEqual(callersOf(methodPath), undefined, `${methodPath} has callers`);
    const declared = Object.entries(CALLERS).flatMap(([service, methods]) => Object.keys(methods).map((method) => `/${service}/${method}`));
    assert.deepEqual(declared.sort(), [...PATHS].sort());
  });

  it('admits every call the services make, each from the service that makes it', () => {
    let seen = 0;
    for (const caller of SERVICE_IDENTITIES) {
      for (const call of callsMadeBy(caller)) {
        seen++;
        assert.equal(callRefusal(caller, call.path), undefined, `${caller} (${call.file}) calls ${call.path}`);
      }
    }
    // The sources were found: the front door alone makes more than a dozen kinds of call.
    assert.ok(seen > 20, `found ${seen} calls`);
  });

  it('lets only a front door make the calls that act as the end user they carry', () => {
    for (const method of ['Create', 'Update', 'Patch', 'Delete', 'DeleteCollection']) {
      assert.deepEqual(callersOf(`/kapi.registry.v1.Registry/${method}`), FRONT_DOORS, method);
    }
    assert.deepEqual(callersOf('/kapi.authz.v1.Authorization/Review'), FRONT_DOORS);
    assert.deepEqual(FRONT_DOORS, ['aggregator']);
  });

  it("keeps etcd's raw content and history to the watch-caches", () => {
    for (const method of ['Snapshot', 'History', 'Progress']) {
      assert.deepEqual(callersOf(`/kapi.registry.v1.Registry/${method}`), ['watch-cache'], method);
      for (const identity of SERVICE_IDENTITIES.filter((i) => i !== 'watch-cache')) {
        assert.equal(callRefusal(identity, `/kapi.registry.v1.Registry/${method}`), `the identity "${identity}" may not call kapi.registry.v1.Registry/${method}`);
      }
    }
  });

  it('lets any identity of the services CA ask Health, and nothing else of the operator', () => {
    assert.equal(callersOf('/kapi.health.v1.Health/Check'), ANY_IDENTITY);
    assert.equal(callRefusal('operator', '/kapi.health.v1.Health/Check'), undefined);
    for (const methodPath of PATHS.filter((p) => !p.startsWith('/kapi.health.'))) {
      assert.equal(callRefusal('operator', methodPath), `the identity "operator" may not call ${methodPath.slice(1)}`);
    }
  });

  it('refuses a caller without an identity, and a method the table does not know', () => {
    assert.equal(callRefusal(undefined, '/kapi.health.v1.Health/Check'), 'a caller without a service identity may not call kapi.health.v1.Health/Check');
    assert.equal(callRefusal('aggregator', '/kapi.registry.v1.Registry/Compact'), 'the identity "aggregator" may not call kapi.registry.v1.Registry/Compact');
    assert.equal(callRefusal('aggregator', '/kapi.registry.v1.Registry/constructor'), 'the identity "aggregator" may not call kapi.registry.v1.Registry/constructor');
    assert.equal(callRefusal('aggregator', '/not-a-path'), 'the identity "aggregator" may not call not-a-path');
  });
});
