import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isStatusError } from '@kapi/api-machinery';
import { AGGREGATED_DISCOVERY_CONTENT_TYPE, answerWith, exchange } from '@kapi/apiserver';
import { CustomResourceKinds, KindCatalogue, servedStrategies } from '@kapi/kinds';
import type { commonV1 } from '@kapi/proto';
import { CoreNonResourceHandler, VERSION_INFO } from './core-non-resource.js';
import type { HealthAnswer } from './health.js';

const catalogue = new KindCatalogue(servedStrategies());
const asked: Array<[string, string | undefined]> = [];
const health = {
  answer: async (endpoint: string, check: string | undefined): Promise<HealthAnswer | undefined> => {
    asked.push([endpoint, check]);
    if (check && check !== 'etcd') return undefined;
    return { code: 200, body: 'ok' };
  },
};
const handler = new CoreNonResourceHandler({
  catalogue,
  health,
  serverAddress: '127.0.0.2:6443',
  issuer: { configuration: { issuer: 'https://kubernetes.default.svc.cluster.local' }, jwks: { keys: [] } },
});
const serve = (path: string, options: { method?: string; headers?: Record<string, string> } = {}) =>
  exchange<commonV1.UserInfo>([handler, answerWith('delegated', 299)], { path, ...options });

describe('CoreNonResourceHandler', () => {
  it('answers /version with kapi\'s version', async () => {
    const answered = await serve('/version');
    assert.equal(answered.status, 200);
    assert.deepEqual(JSON.parse(answered.body), VERSION_INFO);
  });

  it('answers the health checks in plain text, a check by name, and 404 for a check it does not have', async () => {
    const all = await serve('/readyz?verbose');
    assert.equal(all.status, 200);
    assert.equal(all.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(all.headers['x-content-type-options'], 'nosniff');
    assert.equal((await serve('/livez/etcd')).body, 'ok');
    assert.deepEqual(asked.slice(-2), [
      ['readyz', undefined],
      ['livez', 'etcd'],
    ]);
    const missing = await serve('/healthz/nope');
    assert.ok(isStatusError(missing.error));
    assert.equal(missing.error.httpCode, 404);
  });

  it('answers legacy discovery: /api, /apis, a group, a group version', async () => {
    assert.deepEqual(JSON.parse((await serve('/api')).body).serverAddressByClientCIDRs, [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.2:6443' }]);
    assert.equal(JSON.parse((await serve('/apis')).body).kind, 'APIGroupList');
    assert.equal(JSON.parse((await serve('/apis/apps')).body).name, 'apps');
    const apps = JSON.parse((await serve('/apis/apps/v1')).body);
    assert.equal(apps.kind, 'APIResourceList');
    assert.ok(apps.resources.some((r: { name: string }) => r.name === 'deployments'));
    assert.ok(JSON.parse((await serve('/api/v1/')).body).resources.some((r: { name: string }) => r.name === 'pods'));
  });

  it('answers aggregated discovery with an ETag, and 304 to a client that has it', async () => {
    const accept = `${AGGREGATED_DISCOVERY_CONTENT_TYPE};g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json`;
    const first = await serve('/apis', { headers: { Accept: accept } });
    assert.equal(first.status, 200);
    assert.equal(first.headers.vary, 'Accept');
    assert.match(String(first.headers['content-type']), /^application\/json;g=apidiscovery\.k8s\.io;v=v2;as=APIGroupDiscoveryList/);
    const again = await serve('/apis', { headers: { Accept: accept, 'If-None-Match': String(first.headers.etag) } });
    assert.equal(again.status, 304);
  });

  it('answers the service-account issuer\'s documents', async () => {
    assert.equal(JSON.parse((await serve('/.well-known/openid-configuration')).body).issuer, 'https://kubernetes.default.svc.cluster.local');
    const jwks = await serve('/openid/v1/jwks');
    assert.equal(jwks.headers['content-type'], 'application/jwk-set+json');
  });

  it('answers /metrics and the OpenAPI documents', async () => {
    assert.match((await serve('/metrics')).body, /^# HELP /m);
    assert.equal(JSON.parse((await serve('/openapi/v2')).body).swagger, '2.0');
    assert.ok(JSON.parse((await serve('/openapi/v3')).body).paths['apis/apps/v1']);
  });

  it('refuses other methods than GET on its paths with kube\'s 405, the health checks excepted', async () => {
    const post = await serve('/version', { method: 'POST' });
    assert.ok(isStatusError(post.error));
    assert.equal(post.error.httpCode, 405);
    assert.equal((await serve('/livez', { method: 'POST' })).status, 200);
  });

  it('delegates resource requests and the discovery of groups it does not serve', async () => {
    for (const path of ['/api/v1/pods', '/apis/example.com', '/apis/example.com/v1', '/apis/apps/v2', '/api/v2', '/nowhere']) {
      assert.equal((await serve(path)).status, 299, path);
    }
  });
});

describe('CoreNonResourceHandler with custom resources', () => {
  const kinds = new CustomResourceKinds();
  const withCustom = new CoreNonResourceHandler({ catalogue: new KindCatalogue(servedStrategies(), kinds), health, serverAddress: '127.0.0.2:6443' });
  const ask = (path: string, headers: Record<string, string> = {}) => exchange<commonV1.UserInfo>([withCustom, answerWith('delegated', 299)], { path, headers });
  const accept = `${AGGREGATED_DISCOVERY_CONTENT_TYPE};g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`;

  it('lists the groups of established CRDs, after the built-in ones, and changes its ETag with them', async () => {
    const before = await ask('/apis', { Accept: accept });
    assert.equal((await ask('/apis/example.com/v1')).status, 299);
    kinds.update({
      metadata: { name: 'widgets.example.com', resourceVersion: '2' },
      spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', kind: 'Widget' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }] },
      status: { conditions: [{ type: 'Established', status: 'True' }] },
    });
    const after = await ask('/apis', { Accept: accept });
    assert.notEqual(after.headers.etag, before.headers.etag);
    assert.equal(JSON.parse(after.body).items.at(-1).metadata.name, 'example.com');
    assert.equal(JSON.parse((await ask('/apis')).body).groups.at(-1).name, 'example.com');
    assert.deepEqual(JSON.parse((await ask('/apis/example.com/v1')).body).resources.map((r: { name: string }) => r.name), ['widgets']);
    assert.ok(JSON.parse((await ask('/openapi/v3')).body).paths['apis/example.com/v1']);
  });
});
