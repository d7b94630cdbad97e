import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isStatusError, StatusError } from '@kapi/api-machinery';
import { answerWith, exchange, type ExchangeRequest, WRITE_TIMEOUT_UPPER_BOUND_MS } from '@kapi/apiserver';
import { KindCatalogue, servedStrategies } from '@kapi/kinds';
import type { commonV1 } from '@kapi/proto';
import { CoreResourcesHandler } from './core-resources.js';
import { aliceUser, authnAnswering, authzAnswering, registryAnswering, watchCacheListing } from './testing-neighbours.js';

const catalogue = new KindCatalogue(servedStrategies());
const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'a', resourceVersion: '7' }, data: { k: 'v' } };

function neighbours(options: { list?: Parameters<typeof watchCacheListing>[0]; registry?: ReturnType<typeof registryAnswering> } = {}) {
  const registry = options.registry ?? registryAnswering(configMap);
  const watchCache = watchCacheListing(options.list ?? { list: Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMapList', metadata: { resourceVersion: '9' }, items: [] })) });
  const backends = { authn: authnAnswering({}).client, authz: authzAnswering({}).client, registry: registry.client, watchCache: watchCache.client };
  return { registry, watchCache, handler: new CoreResourcesHandler(backends, catalogue, { info: () => undefined }) };
}

const DEADLINE = Date.now() + 60_000;
const serve = (handler: CoreResourcesHandler, sent: ExchangeRequest<commonV1.UserInfo>) =>
  exchange<commonV1.UserInfo>([handler, answerWith('delegated', 299)], {
    ...sent,
    prepare: (r) => {
      r.user = aliceUser;
      r.deadline = DEADLINE;
      sent.prepare?.(r);
    },
  });

describe('CoreResourcesHandler', () => {
  it('delegates non-resource paths and resources that are no built-in kind', async () => {
    const { handler, registry } = neighbours();
    for (const path of ['/version', '/apis/example.com/v1/widgets', '/apis/example.com/v1/namespaces/a/widgets/w', '/apis/apps/v2/deployments', '/api/v1/widgets']) {
      assert.equal((await serve(handler, { path })).status, 299, path);
    }
    assert.equal(registry.get.calls.length + registry.list.calls.length, 0);
  });

  it('answers 404 for paths a built-in kind does not have', async () => {
    const { handler } = neighbours();
    for (const path of ['/api/v1/namespaces/a/configmaps/x/status', '/api/v1/namespaces/a/nodes/n', '/api/v1/namespaces/a/configmaps/x/y/z']) {
      const answered = await serve(handler, { path });
      assert.ok(isStatusError(answered.error), path);
      assert.equal(answered.error.httpCode, 404, path);
    }
  });

  it('answers 405 for a verb the kind does not serve, a watch in words of its own, and lists an unwatchable kind from the registry', async () => {
    const { handler, registry, watchCache } = neighbours();
    const refused = async (sent: ExchangeRequest<commonV1.UserInfo>) => {
      const answered = await serve(handler, sent);
      assert.ok(isStatusError(answered.error), sent.path);
      assert.equal(answered.error.httpCode, 405, sent.path);
      return answered.error.message;
    };
    assert.equal(await refused({ path: '/api/v1/namespaces/a/bindings' }), 'the server does not allow this method on the requested resource');
    assert.equal(await refused({ path: '/api/v1/componentstatuses/etcd-0', method: 'DELETE' }), 'the server does not allow this method on the requested resource');
    assert.equal(await refused({ path: '/api/v1/componentstatuses?watch=1' }), 'watch is not supported on resources of kind "componentstatuses"');
    await serve(handler, { path: '/api/v1/componentstatuses' });
    assert.equal(watchCache.list.calls.length, 0);
    assert.deepEqual(registry.list.calls[0]?.resource, { group: '', version: 'v1', resource: 'componentstatuses', namespace: '' });
  });

  it('gets an object from the registry and passes its JSON on as it is', async () => {
    const { handler, registry } = neighbours();
    const answered = await serve(handler, { path: '/api/v1/namespaces/a/configmaps/x?resourceVersion=3' });
    assert.equal(answered.status, 200);
    assert.deepEqual(JSON.parse(answered.body), configMap);
    assert.deepEqual(registry.get.calls[0], { resource: { group: '', version: 'v1', resource: 'configmaps', namespace: 'a' }, name: 'x', subresource: '', resourceVersion: '3', query: '', context: undefined });
  });

  it('encodes the object as a Table for a client that asks for one', async () => {
    const { handler } = neighbours();
    const answered = await serve(handler, { path: '/api/v1/namespaces/a/configmaps/x', headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } });
    const table = JSON.parse(answered.body);
    assert.equal(table.kind, 'Table');
    assert.equal(table.rows[0].cells[0], 'x');
  });

  it('answers the Status the registry answers, with its warnings as Warning headers', async () => {
    const { handler } = neighbours({
      registry: registryAnswering(configMap, {
        status: Buffer.from(JSON.stringify(new StatusError('KAPI_ERR_ROUTE_NOT_FOUND', 'configmaps "x" not found').toStatus())),
        warnings: ['careful'],
      }),
    });
    const answered = await serve(handler, { path: '/api/v1/namespaces/a/configmaps/x' });
    assert.equal(answered.status, 404);
    assert.equal(JSON.parse(answered.body).message, 'configmaps "x" not found');
    assert.equal(answered.headers.warning, '299 - "careful"');
  });

  it('creates through the registry as the user, under the Audit-Id, within the write\'s share of the deadline', async () => {
    const { handler, registry } = neighbours();
    const before = Date.now();
    const answered = await serve(handler, {
      method: 'POST',
      path: '/api/v1/namespaces/a/configmaps?dryRun=All',
      headers: { 'Content-Type': 'application/json', 'User-Agent': 'kubectl/v1.34 (linux)', 'Audit-Id': 'ignored' },
      body: JSON.stringify(configMap),
      prepare: (r) => r.res.setHeader('Audit-Id', 'audit-1'),
    });
    assert.equal(answered.status, 201);
    const call = registry.create.calls[0];
    assert.deepEqual(JSON.parse(call.object.toString('utf8')), configMap);
    assert.deepEqual({ ...call.context, options: JSON.parse(call.context!.options.toString('utf8')) }, {
      user: aliceUser,
      dryRun: true,
      fieldManager: 'kubectl',
      options: { dryRun: ['All'] },
      requestId: 'audit-1',
    });
    const deadline = registry.create.deadlines[0].getTime();
    assert.ok(deadline <= DEADLINE && deadline <= Date.now() + WRITE_TIMEOUT_UPPER_BOUND_MS && deadline >= before + WRITE_TIMEOUT_UPPER_BOUND_MS);
  });

  it('warns of an unknown field in a create\'s body and drops it (fieldValidation=Warn)', async () => {
    const { handler, registry } = neighbours();
    const answered = await serve(handler, { method: 'POST', path: '/api/v1/namespaces/a/configmaps', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ...configMap, extra: 1 }) });
    assert.equal(answered.headers.warning, '299 - "unknown field \\"extra\\""');
    assert.equal(JSON.parse(registry.create.calls[0].object.toString('utf8')).extra, undefined);
  });

  it('lists from the watch cache, and from the registry when the cache does not hold the revision', async () => {
    const cached = neighbours();
    const answered = await serve(cached.handler, { path: '/api/v1/namespaces/a/configmaps?labelSelector=app%3Dx' });
    assert.equal(JSON.parse(answered.body).kind, 'ConfigMapList');
    assert.equal(cached.watchCache.list.calls[0].labelSelector, 'app=x');
    assert.equal(cached.registry.list.calls.length, 0);
    const old = neighbours({ list: { notInCache: true } });
    await serve(old.handler, { path: '/api/v1/namespaces/a/configmaps?resourceVersion=2&resourceVersionMatch=Exact' });
    assert.equal(old.registry.list.calls[0].resourceVersion, '2');
  });

  it('answers kubectl auth whoami itself, with the user it acts as', async () => {
    const { handler } = neighbours();
    const answered = await serve(handler, { method: 'POST', path: '/apis/authentication.k8s.io/v1/selfsubjectreviews', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(answered.status, 201);
    assert.deepEqual(JSON.parse(answered.body).status.userInfo, { username: 'alice', uid: 'u-1', groups: ['devs', 'system:authenticated'] });
  });
});
