import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { requireOwner } from './require-owner.js';
import { deployment, reviewOf } from './test-support/reviews.js';
import { run } from './test-support/verdicts.js';

describe('require-owner: Deployments say who owns them', () => {
  const webhook = requireOwner();

  test('denies a Deployment without an owner label, in words that say how to fix it', async () => {
    const outcome = await run(webhook, reviewOf('CREATE', deployment('web', 'team-a', { app: 'web' })));
    assert.equal(outcome.allowed, false);
    assert.deepEqual(outcome.status, {
      status: 'Failure',
      code: 403,
      reason: 'Forbidden',
      message: 'Deployment "web" has no "owner" label: namespace "team-a" requires one (kapi.example/require-owner=true); add metadata.labels.owner',
    });
    assert.deepEqual(outcome.auditAnnotations, { reason: 'missing-owner-label' });
  });

  test('an empty owner is no owner; an update is judged as a create', async () => {
    const outcome = await run(webhook, reviewOf('UPDATE', deployment('web', 'team-a', { owner: ' ' }), deployment('web', 'team-a', { owner: 'alice' })));
    assert.equal(outcome.allowed, false);
  });

  test('allows a Deployment with an owner, and records the owner for the audit log', async () => {
    const outcome = await run(webhook, reviewOf('CREATE', deployment('web', 'team-a', { owner: 'alice' })));
    assert.deepEqual({ allowed: outcome.allowed, operations: outcome.operations, auditAnnotations: outcome.auditAnnotations }, {
      allowed: true,
      operations: undefined,
      auditAnnotations: { owner: 'alice' },
    });
  });

  test('lets a Deployment being deleted through, so that its finalizers can be removed', async () => {
    const leaving = deployment('web', 'team-a', {});
    leaving.metadata!.deletionTimestamp = '2026-01-01T00:00:00Z';
    assert.equal((await run(webhook, reviewOf('UPDATE', leaving, leaving))).allowed, true);
  });

  test('names a generated Deployment by its prefix', async () => {
    const generated = deployment('', 'team-a', {});
    generated.metadata = { generateName: 'web-', namespace: 'team-a' };
    const outcome = await run(webhook, reviewOf('CREATE', generated));
    assert.match(outcome.status!.message!, /^Deployment "web-" has no "owner" label/);
  });

  test('judges nothing but Deployments', async () => {
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'team-a' } };
    assert.equal((await run(webhook, reviewOf('CREATE', configMap))).allowed, true);
    assert.equal((await run(webhook, reviewOf('DELETE', null, deployment('web', 'team-a', {})))).allowed, true);
  });

  test('asks for the label it is configured with', async () => {
    const outcome = await run(requireOwner({ ownerLabel: 'kapi.example/team' }), reviewOf('CREATE', deployment('web', 'team-a', { owner: 'alice' })));
    assert.match(outcome.status!.message!, /has no "kapi.example\/team" label.*add metadata.labels.kapi.example\/team$/);
  });
});
