import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestInfo, type RequestInfo } from './request-info.js';

const info = (method: string, url: string): RequestInfo => {
  const u = new URL(url, 'https://kapi.local');
  return parseRequestInfo(method, u.pathname, u.searchParams);
};

/** The attributes authorization looks at. */
const attrs = (i: RequestInfo) => ({
  isResourceRequest: i.isResourceRequest,
  verb: i.verb,
  apiGroup: i.apiGroup,
  apiVersion: i.apiVersion,
  namespace: i.namespace,
  resource: i.resource,
  subresource: i.subresource,
  name: i.name,
});

const resource = (verb: string, r: Partial<ReturnType<typeof attrs>>) => ({
  isResourceRequest: true,
  verb,
  apiGroup: '',
  apiVersion: 'v1',
  namespace: '',
  resource: '',
  subresource: '',
  name: '',
  ...r,
});

describe('parseRequestInfo: namespaces', () => {
  it('/api/v1/namespaces is a list of namespaces', () => {
    assert.deepEqual(attrs(info('GET', '/api/v1/namespaces')), resource('list', { resource: 'namespaces' }));
  });

  it('/api/v1/namespaces/foo is a get of namespace foo, with the namespace attribute foo', () => {
    const i = info('GET', '/api/v1/namespaces/foo');
    assert.deepEqual(attrs(i), resource('get', { namespace: 'foo', resource: 'namespaces', name: 'foo' }));
    assert.equal(i.apiPrefix, 'api');
    assert.deepEqual(i.parts, ['namespaces', 'foo']);
  });

  it('/api/v1/namespaces/foo/status is the status subresource of namespace foo', () => {
    assert.deepEqual(attrs(info('PUT', '/api/v1/namespaces/foo/status')), resource('update', { namespace: 'foo', resource: 'namespaces', name: 'foo', subresource: 'status' }));
  });

  it('/api/v1/namespaces/foo/finalize is the finalize subresource', () => {
    assert.deepEqual(attrs(info('PUT', '/api/v1/namespaces/foo/finalize')), resource('update', { namespace: 'foo', resource: 'namespaces', name: 'foo', subresource: 'finalize' }));
  });

  it('creates and deletes namespaces', () => {
    assert.deepEqual(attrs(info('POST', '/api/v1/namespaces')), resource('create', { resource: 'namespaces' }));
    assert.deepEqual(attrs(info('DELETE', '/api/v1/namespaces/foo')), resource('delete', { namespace: 'foo', resource: 'namespaces', name: 'foo' }));
  });
});

describe('parseRequestInfo: namespaced resources', () => {
  it('reads the verb from the method', () => {
    const base = { namespace: 'ns', resource: 'configmaps', name: 'x' };
    assert.deepEqual(attrs(info('GET', '/api/v1/namespaces/ns/configmaps/x')), resource('get', base));
    assert.deepEqual(attrs(info('HEAD', '/api/v1/namespaces/ns/configmaps/x')), resource('get', base));
    assert.deepEqual(attrs(info('PUT', '/api/v1/namespaces/ns/configmaps/x')), resource('update', base));
    assert.deepEqual(attrs(info('PATCH', '/api/v1/namespaces/ns/configmaps/x')), resource('patch', base));
    assert.deepEqual(attrs(info('DELETE', '/api/v1/namespaces/ns/configmaps/x')), resource('delete', base));
  });

  it('a POST to a collection is a create', () => {
    assert.deepEqual(attrs(info('POST', '/api/v1/namespaces/ns/configmaps')), resource('create', { namespace: 'ns', resource: 'configmaps' }));
  });

  it('a GET of a collection is a list, in a namespace or across all', () => {
    assert.deepEqual(attrs(info('GET', '/api/v1/namespaces/ns/configmaps')), resource('list', { namespace: 'ns', resource: 'configmaps' }));
    assert.deepEqual(attrs(info('GET', '/api/v1/configmaps')), resource('list', { resource: 'configmaps' }));
  });

  it('a DELETE of a collection is a deletecollection', () => {
    assert.deepEqual(attrs(info('DELETE', '/api/v1/namespaces/ns/configmaps')), resource('deletecollection', { namespace: 'ns', resource: 'configmaps' }));
  });

  it('?watch=true on a collection is a watch', () => {
    for (const q of ['watch=true', 'watch=1', 'watch=', 'watch']) {
      assert.equal(info('GET', `/api/v1/namespaces/ns/configmaps?${q}`).verb, 'watch', q);
    }
    assert.equal(info('GET', '/api/v1/namespaces/ns/configmaps?watch=false').verb, 'list');
    assert.equal(info('GET', '/api/v1/namespaces/ns/configmaps?watch=0').verb, 'list');
  });

  it('any watch value but false or 0 means watch, as Convert_Slice_string_To_bool reads it', () => {
    for (const q of ['watch=True', 'watch=TRUE', 'watch=yes']) {
      assert.equal(info('GET', `/api/v1/namespaces/ns/configmaps?${q}`).verb, 'watch', q);
    }
    assert.equal(info('GET', '/api/v1/namespaces/ns/configmaps?watch=FALSE').verb, 'list');
  });

  it('?watch=true on a single object stays a get, since only collections are watched that way', () => {
    assert.equal(info('GET', '/api/v1/namespaces/ns/configmaps/x?watch=true').verb, 'get');
  });

  it('the legacy /watch/ path prefix is a watch', () => {
    assert.deepEqual(attrs(info('GET', '/api/v1/watch/namespaces/ns/configmaps')), resource('watch', { namespace: 'ns', resource: 'configmaps' }));
    assert.deepEqual(attrs(info('GET', '/api/v1/watch/namespaces/ns/configmaps/x')), resource('watch', { namespace: 'ns', resource: 'configmaps', name: 'x' }));
    assert.deepEqual(attrs(info('GET', '/api/v1/watch/namespaces')), resource('watch', { resource: 'namespaces' }));
  });

  it('a list or watch pinned to one name by fieldSelector=metadata.name carries that name', () => {
    assert.deepEqual(
      attrs(info('GET', '/api/v1/namespaces/ns/configmaps?fieldSelector=metadata.name%3Dx')),
      resource('list', { namespace: 'ns', resource: 'configmaps', name: 'x' }),
    );
    assert.deepEqual(
      attrs(info('GET', '/api/v1/namespaces/ns/configmaps?watch=1&fieldSelector=metadata.name%3D%3Dx')),
      resource('watch', { namespace: 'ns', resource: 'configmaps', name: 'x' }),
    );
    assert.equal(info('GET', '/api/v1/namespaces/ns/configmaps?fieldSelector=metadata.name%21%3Dx').name, '');
  });
});

describe('parseRequestInfo: API groups', () => {
  it('/apis/apps/v1/namespaces/ns/deployments/x/scale is the scale subresource of a deployment', () => {
    const i = info('PUT', '/apis/apps/v1/namespaces/ns/deployments/x/scale');
    assert.deepEqual(attrs(i), resource('update', { apiGroup: 'apps', namespace: 'ns', resource: 'deployments', name: 'x', subresource: 'scale' }));
    assert.equal(i.apiPrefix, 'apis');
    assert.deepEqual(i.parts, ['deployments', 'x', 'scale']);
  });

  it('reads cluster-scoped resources of a group', () => {
    assert.deepEqual(
      attrs(info('GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/admin')),
      resource('get', { apiGroup: 'rbac.authorization.k8s.io', resource: 'clusterroles', name: 'admin' }),
    );
  });

  it('keeps only the first subresource segment', () => {
    const i = info('GET', '/api/v1/namespaces/ns/pods/p/proxy/some/path');
    assert.equal(i.subresource, 'proxy');
    assert.equal(i.name, 'p');
    assert.deepEqual(i.parts, ['pods', 'p', 'proxy', 'some', 'path']);
  });
});

describe('parseRequestInfo: non-resource requests', () => {
  it('/healthz and friends are non-resource requests with the lower-cased method as verb', () => {
    for (const path of ['/healthz', '/livez', '/readyz', '/version', '/openapi/v2', '/', '/metrics']) {
      const i = info('GET', path);
      assert.equal(i.isResourceRequest, false, path);
      assert.equal(i.verb, 'get', path);
      assert.equal(i.path, path);
      assert.equal(i.resource, '');
    }
    assert.equal(info('POST', '/healthz').verb, 'post');
  });

  it('discovery paths are non-resource requests', () => {
    for (const path of ['/api', '/api/v1', '/apis', '/apis/apps', '/apis/apps/v1']) {
      const i = info('GET', path);
      assert.equal(i.isResourceRequest, false, path);
      assert.equal(i.verb, 'get', path);
      assert.equal(i.path, path);
    }
  });

  it('a HEAD on a non-resource path keeps the verb head, as kube lower-cases the method', () => {
    assert.equal(info('HEAD', '/healthz').verb, 'head');
  });

  it('a resource request with a method kube does not map has an empty verb', () => {
    assert.equal(info('OPTIONS', '/api/v1/namespaces/ns/configmaps').verb, '');
  });
});
