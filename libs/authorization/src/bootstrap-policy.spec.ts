import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { authorizerChain, type RequestAttributes } from './authorizer.js';
import { MASTERS_GROUP, bootstrapPolicyAuthorizer, mastersAuthorizer } from './bootstrap-policy.js';

const anonymous = { username: 'system:anonymous', groups: ['system:unauthenticated'] };
const alice = { username: 'alice', groups: ['dev', 'system:authenticated'] };
const admin = { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };

const resourceReq = (user: RequestAttributes['user'], verb = 'delete'): RequestAttributes => ({
  user,
  verb,
  resourceRequest: true,
  apiGroup: '',
  apiVersion: 'v1',
  resource: 'namespaces',
  subresource: '',
  namespace: 'kube-system',
  name: 'kube-system',
  path: '/api/v1/namespaces/kube-system',
});
const pathReq = (user: RequestAttributes['user'], path: string, verb = 'get'): RequestAttributes => ({
  user,
  verb,
  resourceRequest: false,
  apiGroup: '',
  apiVersion: '',
  resource: '',
  subresource: '',
  namespace: '',
  name: '',
  path,
});

describe('mastersAuthorizer', () => {
  it('allows anything to system:masters', async () => {
    assert.equal(MASTERS_GROUP, 'system:masters');
    assert.equal((await mastersAuthorizer.authorize(resourceReq(admin))).decision, 'Allow');
    assert.equal((await mastersAuthorizer.authorize(pathReq(admin, '/metrics', 'post'))).decision, 'Allow');
  });

  it('has no opinion about anyone else', async () => {
    assert.equal((await mastersAuthorizer.authorize(resourceReq(alice))).decision, 'NoOpinion');
    assert.equal((await mastersAuthorizer.authorize(resourceReq(anonymous))).decision, 'NoOpinion');
    // The group, not a look-alike user name, grants it.
    assert.equal((await mastersAuthorizer.authorize(resourceReq({ username: 'system:masters', groups: [] }))).decision, 'NoOpinion');
  });
});

describe('bootstrapPolicyAuthorizer: system:public-info-viewer', () => {
  it('lets everyone, anonymous included, get the health and version endpoints', async () => {
    for (const path of ['/healthz', '/livez', '/readyz', '/version', '/version/']) {
      for (const user of [anonymous, alice]) {
        assert.equal((await bootstrapPolicyAuthorizer.authorize(pathReq(user, path))).decision, 'Allow', `${user.username} ${path}`);
      }
    }
  });

  it('grants only get', async () => {
    assert.equal((await bootstrapPolicyAuthorizer.authorize(pathReq(anonymous, '/healthz', 'post'))).decision, 'NoOpinion');
    assert.equal((await bootstrapPolicyAuthorizer.authorize(pathReq(anonymous, '/healthz', 'head'))).decision, 'NoOpinion');
  });

  it('does not extend to the individual health checks, which the role does not list', async () => {
    for (const path of ['/healthz/etcd', '/livez/ping', '/readyz/informer-sync']) {
      assert.equal((await bootstrapPolicyAuthorizer.authorize(pathReq(anonymous, path))).decision, 'NoOpinion', path);
    }
  });

  it('says nothing about other paths for anonymous users', async () => {
    for (const path of ['/api', '/apis', '/apis/apps/v1', '/openapi/v2', '/metrics', '/', '/logs']) {
      assert.equal((await bootstrapPolicyAuthorizer.authorize(pathReq(anonymous, path))).decision, 'NoOpinion', path);
    }
  });
});

describe('bootstrapPolicyAuthorizer: system:discovery', () => {
  it('lets authenticated users read discovery and OpenAPI', async () => {
    for (const path of ['/api', '/api/', '/api/v1', '/apis', '/apis/apps', '/apis/apps/v1', '/openapi/v2', '/openapi/v3/apis/apps/v1', '/version']) {
      assert.equal((await bootstrapPolicyAuthorizer.authorize(pathReq(alice, path))).decision, 'Allow', path);
    }
  });

  it('grants nothing else to authenticated users', async () => {
    for (const path of ['/metrics', '/logs', '/', '/apisx', '/debug/pprof']) {
      assert.equal((await bootstrapPolicyAuthorizer.authorize(pathReq(alice, path))).decision, 'NoOpinion', path);
    }
    assert.equal((await bootstrapPolicyAuthorizer.authorize(pathReq(alice, '/api', 'post'))).decision, 'NoOpinion');
  });

  it('never decides resource requests', async () => {
    assert.equal((await bootstrapPolicyAuthorizer.authorize(resourceReq(alice, 'get'))).decision, 'NoOpinion');
    assert.equal((await bootstrapPolicyAuthorizer.authorize(resourceReq(anonymous, 'get'))).decision, 'NoOpinion');
  });
});

describe('the bootstrap chain', () => {
  const chain = authorizerChain([mastersAuthorizer, bootstrapPolicyAuthorizer]);

  it('allows masters, health for everyone, discovery for the authenticated, and denies the rest', async () => {
    assert.equal((await chain.authorize(resourceReq(admin))).decision, 'Allow');
    assert.equal((await chain.authorize(pathReq(anonymous, '/healthz'))).decision, 'Allow');
    assert.equal((await chain.authorize(pathReq(alice, '/apis'))).decision, 'Allow');
    assert.equal((await chain.authorize(pathReq(anonymous, '/apis'))).decision, 'Deny');
    assert.equal((await chain.authorize(resourceReq(alice))).decision, 'Deny');
    assert.equal((await chain.authorize(resourceReq(anonymous, 'get'))).decision, 'Deny');
  });
});

describe('bootstrapPolicyAuthorizer: system:service-account-issuer-discovery', () => {
  const bot = { username: 'system:serviceaccount:ci:builder', groups: ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated'] };

  it('lets service accounts read the issuer discovery documents', async () => {
    for (const path of ['/.well-known/openid-configuration', '/openid/v1/jwks']) {
      assert.equal((await bootstrapPolicyAuthorizer.authorize(pathReq(bot, path))).decision, 'Allow', path);
    }
  });

  it('says nothing about them for other users', async () => {
    for (const user of [anonymous, alice]) {
      assert.equal((await bootstrapPolicyAuthorizer.authorize(pathReq(user, '/openid/v1/jwks'))).decision, 'NoOpinion', user.username);
    }
  });
});
