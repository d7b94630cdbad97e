import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { alreadyExists, forbidden, notFound, StatusError, type KubeObject } from '@kapi/api-machinery';
import { ReconcileQueue } from './reconcile-queue.js';
import { ensureDefaultServiceAccount, namespaceToReconcile, type ServiceAccountControllerDeps } from './service-account-controller.js';

function fakeDeps(namespaces: Record<string, KubeObject>, accounts: Set<string>, createError?: unknown): ServiceAccountControllerDeps & { created: string[] } {
  const created: string[] = [];
  return {
    created,
    getNamespace: async (name) => namespaces[name],
    hasDefaultServiceAccount: async (ns) => accounts.has(ns),
    createDefaultServiceAccount: async (ns) => {
      if (createError) throw createError;
      accounts.add(ns);
      created.push(ns);
    },
  };
}

const active = (name: string): KubeObject => ({ metadata: { name }, status: { phase: 'Active' } });

describe('ensureDefaultServiceAccount', () => {
  it('creates the default account in an active namespace that lacks one', async () => {
    const deps = fakeDeps({ team: active('team') }, new Set());
    assert.equal(await ensureDefaultServiceAccount(deps, 'team'), 'created');
    assert.deepEqual(deps.created, ['team']);
    // A second pass changes nothing.
    assert.equal(await ensureDefaultServiceAccount(deps, 'team'), 'exists');
    assert.deepEqual(deps.created, ['team']);
  });

  it('leaves missing and terminating namespaces alone', async () => {
    const deps = fakeDeps(
      { going: { metadata: { name: 'going', deletionTimestamp: '2024-05-01T00:00:00Z' }, status: { phase: 'Terminating' } }, marked: { metadata: { name: 'marked' }, status: { phase: 'Terminating' } } },
      new Set(),
    );
    assert.equal(await ensureDefaultServiceAccount(deps, 'gone'), 'skipped');
    assert.equal(await ensureDefaultServiceAccount(deps, 'going'), 'skipped');
    assert.equal(await ensureDefaultServiceAccount(deps, 'marked'), 'skipped');
    assert.deepEqual(deps.created, []);
  });

  it('treats another replica\'s create, or a namespace vanishing meanwhile, as done', async () => {
    const gr = { group: '', resource: 'serviceaccounts' };
    assert.equal(await ensureDefaultServiceAccount(fakeDeps({ a: active('a') }, new Set(), alreadyExists(gr, 'default')), 'a'), 'exists');
    assert.equal(await ensureDefaultServiceAccount(fakeDeps({ a: active('a') }, new Set(), notFound({ group: '', resource: 'namespaces' }, 'a')), 'a'), 'skipped');
    const refused = forbidden(gr, 'default', 'unable to create new content in namespace a because it is being terminated');
    const terminatingErr = StatusError.fromStatus({
      ...refused.toStatus(),
      details: { ...refused.details, causes: [{ reason: 'NamespaceTerminating', message: 'namespace a is being terminated', field: 'metadata.namespace' }] },
    });
    assert.equal(await ensureDefaultServiceAccount(fakeDeps({ a: active('a') }, new Set(), terminatingErr), 'a'), 'skipped');
  });

  it('lets other failures through, to be retried', async () => {
    const unavailable = new StatusError('KAPI_ERR_STORAGE_UNAVAILABLE', 'storage is unavailable');
    await assert.rejects(ensureDefaultServiceAccount(fakeDeps({ a: active('a') }, new Set(), unavailable), 'a'), unavailable);
  });
});

describe('namespaceToReconcile', () => {
  it('reconciles a namespace written, or whose default account was deleted', () => {
    assert.equal(namespaceToReconcile('/registry/namespaces/team', 'PUT'), 'team');
    assert.equal(namespaceToReconcile('/registry/namespaces/team', 'DELETE'), undefined);
    assert.equal(namespaceToReconcile('/registry/serviceaccounts/team/default', 'DELETE'), 'team');
    assert.equal(namespaceToReconcile('/registry/serviceaccounts/team/default', 'PUT'), undefined);
    assert.equal(namespaceToReconcile('/registry/serviceaccounts/team/builder', 'DELETE'), undefined);
    assert.equal(namespaceToReconcile('/registry/configmaps/team/default', 'DELETE'), undefined);
  });
});

describe('ReconcileQueue', () => {
  it('reconciles each namespace once however often it is added, and retries failures', async () => {
    const seen: string[] = [];
    let failOnce = true;
    const errors: string[] = [];
    const queue = new ReconcileQueue(
      async (ns) => {
        seen.push(ns);
        if (ns === 'flaky' && failOnce) {
          failOnce = false;
          throw new Error('boom');
        }
        await new Promise((r) => setTimeout(r, 1));
      },
      (ns) => errors.push(ns),
      5,
    );
    queue.add('a');
    queue.add('b');
    queue.add('b');
    queue.add('flaky');
    queue.add('a');
    for (let i = 0; i < 100 && (seen.filter((s) => s === 'flaky').length < 2 || queue.size > 0); i++) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(errors, ['flaky']);
    assert.deepEqual(seen.filter((s) => s === 'flaky').length, 2);
    // 'a' was added again while its first pass was pending, so it ran once; 'b' likewise.
    assert.ok(seen.filter((s) => s === 'b').length === 1);
    assert.ok(seen.filter((s) => s === 'a').length <= 2);
  });
});
