import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { requestAttributes } from './attributes.fixture.js';
import { authorizerChain, noOpinion, type Authorizer } from './authorizer.js';
import { authorizersForModes, parseAuthorizationModes, rulesResolverForModes } from './modes.js';

const attrs = (groups: string[] = ['system:authenticated']) => requestAttributes({ user: { username: 'alice', groups } });

const named = (name: string, decision: 'Allow' | 'Deny' | 'NoOpinion' = 'NoOpinion'): Authorizer => ({
  name,
  authorize: async () => (decision === 'NoOpinion' ? noOpinion() : { decision, reason: name }),
});

describe('parseAuthorizationModes', () => {
  it('defaults to RBAC and keeps the order given', () => {
    assert.deepEqual(parseAuthorizationModes([], false), ['RBAC']);
    assert.deepEqual(parseAuthorizationModes(['Webhook', 'RBAC'], true), ['Webhook', 'RBAC']);
    assert.deepEqual(parseAuthorizationModes(['AlwaysAllow'], false), ['AlwaysAllow']);
    assert.deepEqual(parseAuthorizationModes(['Node', 'RBAC'], false), ['Node', 'RBAC']);
  });

  it('refuses an unknown or repeated mode, Webhook without its file and a file without Webhook, in one line', () => {
    assert.throws(() => parseAuthorizationModes(['RBAC', 'ABAC'], false), {
      message: 'KAPI_AUTHORIZATION_MODE: authorization-mode "ABAC" is not a valid mode (valid: AlwaysAllow, AlwaysDeny, Node, RBAC, Webhook)',
    });
    assert.throws(() => parseAuthorizationModes(['RBAC', 'RBAC'], false), { message: 'KAPI_AUTHORIZATION_MODE: authorization-mode "RBAC" has mode specified more than once' });
    assert.throws(() => parseAuthorizationModes(['Webhook'], false), /Webhook's authorization config file not passed \(KAPI_AUTHORIZATION_WEBHOOK_CONFIG_FILE\)/);
    assert.throws(() => parseAuthorizationModes(['RBAC'], true), { message: 'cannot specify KAPI_AUTHORIZATION_WEBHOOK_CONFIG_FILE without mode Webhook in KAPI_AUTHORIZATION_MODE' });
  });
});

describe('authorizersForModes', () => {
  it('puts system:masters first, then each mode in order, building only the modes listed', () => {
    let webhookBuilt = false;
    const factories = { RBAC: () => [named('rbac'), named('bootstrap')], Webhook: () => ((webhookBuilt = true), named('webhook')) };
    assert.deepEqual(
      authorizersForModes(['Node', 'RBAC', 'AlwaysDeny'], factories).map((a) => a.name),
      ['system:masters', 'Node', 'rbac', 'bootstrap', 'AlwaysDeny'],
    );
    assert.equal(webhookBuilt, false);
    assert.deepEqual(
      authorizersForModes(['Webhook', 'AlwaysAllow'], factories).map((a) => a.name),
      ['system:masters', 'webhook', 'AlwaysAllow'],
    );
  });

  it('AlwaysDeny forbids everyone but system:masters, in kube words; AlwaysAllow allows everyone', async () => {
    const factories = { RBAC: () => [], Webhook: () => named('webhook') };
    const deny = authorizerChain(authorizersForModes(['AlwaysDeny'], factories));
    assert.deepEqual(await deny.authorize(attrs()), { decision: 'Deny', reason: 'Everything is forbidden.' });
    assert.equal((await deny.authorize(attrs(['system:masters']))).decision, 'Allow');
    const allow = authorizerChain(authorizersForModes(['AlwaysAllow'], factories));
    assert.equal((await allow.authorize(attrs(['system:unauthenticated']))).decision, 'Allow');
  });

  it('lets the first Allow or Deny win: a Deny of an earlier mode stops a later Allow', async () => {
    const factories = { RBAC: () => [named('rbac')], Webhook: () => named('webhook', 'Deny') };
    const chain = authorizerChain(authorizersForModes(['RBAC', 'Webhook', 'AlwaysAllow'], factories));
    assert.deepEqual(await chain.authorize(attrs()), { decision: 'Deny', reason: 'webhook' });
  });
});

describe('rulesResolverForModes', () => {
  const rbac = { rulesFor: () => ({ rules: [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }], errors: ['role "gone" not found'] }) };
  const alice = { username: 'alice', groups: ['system:authenticated'] };

  it("concatenates the modes' rules and errors, incomplete when one cannot list its rules", () => {
    assert.deepEqual(rulesResolverForModes(['RBAC'], rbac)(alice, 'ns'), { ...rbac.rulesFor(), incomplete: false });
    assert.deepEqual(rulesResolverForModes(['AlwaysDeny', 'Webhook', 'RBAC'], rbac)(alice, 'ns'), {
      rules: rbac.rulesFor().rules,
      errors: ['webhook authorizer does not support user rule resolution', 'role "gone" not found'],
      incomplete: true,
    });
  });

  it('AlwaysAllow is every verb on everything; Node is incomplete for nodes alone', () => {
    assert.deepEqual(rulesResolverForModes(['AlwaysAllow'], rbac)(alice, 'ns').rules, [
      { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
      { verbs: ['*'], nonResourceURLs: ['*'] },
    ]);
    const node = rulesResolverForModes(['Node'], rbac);
    assert.deepEqual(node(alice, 'ns'), { rules: [], errors: [], incomplete: false });
    assert.deepEqual(node({ username: 'system:node:n1', groups: ['system:nodes'] }, 'ns'), {
      rules: [],
      errors: ['node authorizer does not support user rule resolution'],
      incomplete: true,
    });
  });
});
