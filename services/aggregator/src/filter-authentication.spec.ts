import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { isStatusError } from '@kapi/api-machinery';
import { answerWith, exchange } from '@kapi/apiserver';
import type { commonV1 } from '@kapi/proto';
import { authenticationFilter, bearerToken } from './filter-authentication.js';
import { aliceUser, authnAnswering } from './testing-neighbours.js';

describe('authenticationFilter', () => {
  it('asks authn about the bearer token and runs the rest of the chain as the user it names', async () => {
    const authn = authnAnswering({ authenticated: true, user: aliceUser });
    const answered = await exchange<commonV1.UserInfo>([authenticationFilter(authn.client), answerWith('ok')], { path: '/api/v1/pods', headers: { Authorization: 'Bearer abc.def' } });
    assert.equal(answered.body, 'ok');
    assert.deepEqual(answered.request.user, aliceUser);
    assert.deepEqual(authn.authenticate.calls, [{ clientCertificates: [], bearerToken: 'abc.def', audiences: [] }]);
  });

  it('refuses with kube\'s 401 when authn vouches for nobody, before the rest of the chain', async () => {
    const authn = authnAnswering({ authenticated: false, error: 'token expired' });
    const answered = await exchange([authenticationFilter(authn.client), answerWith('ok')], { path: '/api/v1/pods', headers: { Authorization: 'Bearer old' } });
    assert.ok(isStatusError(answered.error));
    assert.equal(answered.error.httpCode, 401);
    assert.equal(answered.error.message, 'Unauthorized');
    assert.equal(answered.request.user, undefined);
  });

  it('takes an authenticated answer without a user as no user', async () => {
    const authn = authnAnswering({ authenticated: true, user: undefined });
    const answered = await exchange([authenticationFilter(authn.client), answerWith('ok')], { path: '/version' });
    assert.ok(isStatusError(answered.error));
    assert.equal(answered.error.httpCode, 401);
  });
});

describe('bearerToken', () => {
  const of = (authorization?: string) => bearerToken({ headers: authorization === undefined ? {} : { authorization } } as IncomingMessage);
  it('reads the token of a Bearer Authorization header, whatever the scheme\'s case', () => {
    assert.equal(of('Bearer abc'), 'abc');
    assert.equal(of('bearer  abc  '), 'abc');
    assert.equal(of('Basic YTpi'), '');
    assert.equal(of(), '');
  });
});
