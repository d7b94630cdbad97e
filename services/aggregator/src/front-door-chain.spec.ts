import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exchange, MaxInFlightLimiter, requestUser, sendJson } from '@kapi/apiserver';
import { KindCatalogue, servedStrategies } from '@kapi/kinds';
import { authzV1 } from '@kapi/proto';
import type { Logger } from '@kapi/telemetry';
import { FrontDoor, frontDoorChain, type FrontDoorHandler, type FrontDoorParts } from './front-door-chain.js';
import { aliceUser, authnAnswering, authzAnswering, registryAnswering, watchCacheListing } from './testing-neighbours.js';

const quiet = { error: () => undefined, info: () => undefined, warn: () => undefined } as unknown as Logger;

function parts(overrides: Partial<FrontDoorParts> & { authenticated?: boolean; allowed?: boolean } = {}) {
  const authn = authnAnswering(overrides.authenticated === false ? { authenticated: false } : { authenticated: true, user: aliceUser });
  const authz = authzAnswering({ decision: overrides.allowed === false ? authzV1.Decision.DECISION_DENY : authzV1.Decision.DECISION_ALLOW });
  const built: FrontDoorParts = {
    backends: { authn: authn.client, authz: authz.client, registry: registryAnswering({}).client, watchCache: watchCacheListing({}).client },
    catalogue: new KindCatalogue(servedStrategies()),
    health: { answer: async () => ({ code: 200, body: 'ok' }) },
    logger: quiet,
    serverAddress: '127.0.0.2:6443',
    inFlight: new MaxInFlightLimiter({ readOnly: 10, mutating: 10 }),
    ...overrides,
  };
  return { parts: built, authn, authz };
}

/** One request through a FrontDoor, as its HTTPS listener hands it over, on a loopback server. */
async function through(frontDoor: FrontDoor, path: string) {
  const listener: FrontDoorHandler = {
    name: 'listener',
    handle: ({ req, res }) => {
      frontDoor.handle(req, res);
      return new Promise((resolve) => res.once('finish', resolve));
    },
  };
  return exchange([listener], { path });
}

describe('frontDoorChain', () => {
  it('runs kube\'s filters, then its delegation of servers, in kube\'s order', () => {
    assert.deepEqual(
      frontDoorChain(parts().parts).map((h) => h.name),
      [
        'audit id and cache control',
        'tracing',
        'request metrics',
        'panic recovery',
        'request deadline',
        'authentication',
        'impersonation',
        'max in flight',
        'authorization',
        'aggregator (no APIService proxied)',
        'core API: non-resource paths',
        'core API: built-in resources',
        'custom resources',
        'not found',
      ],
    );
  });
});

describe('FrontDoor', () => {
  it('answers a path no server serves with kube\'s 404 Status, after authenticating and authorizing it', async () => {
    const { parts: p, authn, authz } = parts();
    const answered = await through(new FrontDoor(p), '/apis/example.com/v1/namespaces/a/widgets');
    assert.equal(answered.status, 404);
    assert.equal(JSON.parse(answered.body).message, 'the server could not find the requested resource');
    assert.equal(answered.headers['cache-control'], 'no-cache, private');
    assert.ok(answered.headers['audit-id']);
    assert.equal(authn.authenticate.calls.length, 1);
    assert.equal(authz.authorize.calls[0].resource, 'widgets');
  });

  it('answers 401 before authorization when nobody is authenticated, and 403 when authz denies', async () => {
    const anonymous = parts({ authenticated: false });
    assert.equal((await through(new FrontDoor(anonymous.parts), '/version')).status, 401);
    assert.equal(anonymous.authz.authorize.calls.length, 0);
    const denied = await through(new FrontDoor(parts({ allowed: false }).parts), '/api/v1/namespaces');
    assert.equal(denied.status, 403);
  });

  it('hands the requests the core API does not serve to the custom-resource handler it is given, authorized and with their deadline', async () => {
    const seen: Array<{ user: string; deadline?: number }> = [];
    const widgets: FrontDoorHandler = {
      name: 'custom resources',
      async handle(request, next) {
        if (request.info.apiGroup !== 'example.com') return next();
        seen.push({ user: requestUser(request).username, deadline: request.deadline });
        sendJson(request.res, 200, { kind: 'WidgetList', items: [] });
      },
    };
    const frontDoor = new FrontDoor(parts({ customResources: widgets }).parts);
    const answered = await through(frontDoor, '/apis/example.com/v1/namespaces/a/widgets');
    assert.equal(JSON.parse(answered.body).kind, 'WidgetList');
    assert.equal(seen[0].user, 'alice');
    assert.ok(seen[0].deadline! > Date.now());
    // What it does not serve still reaches kube's 404, and built-in kinds never reach it.
    assert.equal((await through(frontDoor, '/apis/other.example.com/v1/things')).status, 404);
    assert.equal((await through(frontDoor, '/version')).status, 200);
    assert.equal(seen.length, 1);
  });
});
