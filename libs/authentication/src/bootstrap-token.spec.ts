import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapTokenAuthenticator } from './bootstrap-token.js';
import type { LiveObject } from './service-account-token.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const NOW = new Date('2026-01-01T00:00:00Z');

function secret(data: Record<string, string>, more: Partial<LiveObject> = {}): LiveObject {
  return { uid: 'u', type: 'bootstrap.kubernetes.io/token', data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])), ...more };
}

const good = { 'token-id': 'abcdef', 'token-secret': '0123456789abcdef', 'usage-bootstrap-authentication': 'true' };

function authWith(secrets: Record<string, LiveObject>) {
  const log: string[] = [];
  const asked: string[] = [];
  const auth = bootstrapTokenAuthenticator({
    lookup: async (kind, ns, name) => {
      asked.push(`${kind} ${ns}/${name}`);
      return secrets[name];
    },
    log: (m) => log.push(m),
    now: () => NOW,
  });
  return { auth, log, asked };
}
const creds = (bearerToken: string) => ({ clientCertificates: [], bearerToken });

describe('bootstrapTokenAuthenticator', () => {
  it('authenticates <id>.<secret> as system:bootstrap:<id> in system:bootstrappers and the extra groups, sorted', async () => {
    const { auth, asked } = authWith({
      'bootstrap-token-abcdef': secret({ ...good, expiration: '2026-06-01T00:00:00Z', 'auth-extra-groups': 'system:bootstrappers:worker,system:bootstrappers:kubeadm:default-node-token' }),
    });
    assert.deepEqual(await auth.authenticate(creds('abcdef.0123456789abcdef')), {
      ok: true,
      user: {
        username: 'system:bootstrap:abcdef',
        uid: '',
        groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:bootstrappers:worker'],
        extra: {},
      },
    });
    assert.deepEqual(asked, ['Secret kube-system/bootstrap-token-abcdef']);
  });

  it('leaves tokens of another form alone without looking anything up', async () => {
    const { auth, asked } = authWith({});
    for (const t of ['abcdef.0123456789abcde', 'ABCDEF.0123456789abcdef', 'abcdef0123456789abcdef', 'a.b.c']) assert.deepEqual(await auth.authenticate(creds(t)), { ok: false });
    assert.deepEqual(asked, []);
  });

  const refusals: [string, LiveObject | undefined, RegExp | undefined][] = [
    ['no such secret', undefined, undefined],
    ['a wrong secret', secret({ ...good, 'token-secret': 'ffffffffffffffff' }), /has invalid value for key token-secret/],
    ['another type', secret(good, { type: 'Opaque' }), /has invalid type, expected bootstrap.kubernetes.io\/token/],
    ['a mismatched token-id', secret({ ...good, 'token-id': 'zzzzzz' }), /has invalid value for key token-id/],
    ['an expired token', secret({ ...good, expiration: '2025-12-31T23:59:59Z' }), /has expired \(2025-12-31T23:59:59Z\)/],
    ['an unparseable expiration', secret({ ...good, expiration: 'tomorrow' }), /unparseable expiration time/],
    ['no usage-bootstrap-authentication', secret({ ...good, 'usage-bootstrap-authentication': 'false' }), /not marked usage-bootstrap-authentication=true/],
    ['a bad extra group', secret({ ...good, 'auth-extra-groups': 'system:masters' }), /has invalid value for key auth-extra-groups/],
    ['a secret being deleted', secret(good, { deletionTimestamp: '2025-12-31T00:00:00Z' }), /is deleted and awaiting removal/],
  ];
  for (const [what, s, logged] of refusals) {
    it(`does not authenticate, and does not fail, on ${what}`, async () => {
      const { auth, log } = authWith(s ? { 'bootstrap-token-abcdef': s } : {});
      assert.deepEqual(await auth.authenticate(creds('abcdef.0123456789abcdef')), { ok: false });
      if (logged) assert.match(log[0], logged);
      else assert.deepEqual(log, []);
    });
  }
});
