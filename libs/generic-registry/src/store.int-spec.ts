// The generic store against a real etcd.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStatusError, PatchType, type KubeObject, type StatusError } from '@kapi/api-machinery';
import { configMapStrategy, namespaceStrategy } from '@kapi/kinds';
import { freePort, startEtcd, type EtcdHandle } from '@kapi/local-stack';
import { EtcdBackend } from '@kapi/storage';
import { allowAll, type AdmissionHook } from './admission.js';
import { GenericStore, type WriteContext } from './store.js';

const ctx: WriteContext = { user: { username: 'tester', uid: '', groups: ['system:masters'], extra: {} }, dryRun: false, fieldManager: 'kubectl-test' };

async function rejects(promise: Promise<unknown>, code: number, reason: string, message?: RegExp): Promise<StatusError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(isStatusError(err), `expected a StatusError, got ${String(err)}`);
    assert.equal(err.httpCode, code);
    assert.equal(err.reason, reason);
    if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail('expected the call to fail');
}

const cm = (name: string, data: Record<string, string> = { a: '1' }): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });

describe('GenericStore on etcd', () => {
  let etcd: EtcdHandle;
  let dir: string;
  let backend: EtcdBackend;
  let configmaps: GenericStore;
  let namespaces: GenericStore;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kapi-store-'));
    etcd = await startEtcd({ dataDir: join(dir, 'etcd'), clientPort: await freePort(), peerPort: await freePort() });
    backend = new EtcdBackend({ endpoints: etcd.endpoints });
    namespaces = new GenericStore(namespaceStrategy, backend, allowAll);
    configmaps = new GenericStore(configMapStrategy, backend, allowAll, async (ns, gr, name) => {
      const obj = await namespaces.get(undefined, ns);
      if (obj.metadata?.deletionTimestamp) throw Object.assign(new Error('terminating'), { gr, name });
    });
    await namespaces.create(undefined, { metadata: { name: 'ns1' } }, ctx);
  });

  after(async () => {
    await backend.close();
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates an object whose resourceVersion is the etcd revision, with metadata set by the server', async () => {
    const created = await configmaps.create('ns1', cm('first'), ctx);
    assert.equal(created.metadata?.namespace, 'ns1');
    assert.match(created.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.match(created.metadata?.creationTimestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const stored = await backend.get('/registry/configmaps/ns1/first');
    assert.equal(created.metadata?.resourceVersion, String(stored?.modRevision));
    const fetched = await configmaps.get('ns1', 'first');
    assert.deepEqual(fetched, created);
    assert.equal(created.metadata?.managedFields?.[0]?.manager, 'kubectl-test');
    assert.equal(created.metadata?.managedFields?.[0]?.operation, 'Update');
    assert.deepEqual(created.metadata?.managedFields?.[0]?.fieldsV1, { 'f:data': { '.': {}, 'f:a': {} } });
  });

  it('refuses a second create of the same name with 409 AlreadyExists', async () => {
    await configmaps.create('ns1', cm('dup'), ctx);
    await rejects(configmaps.create('ns1', cm('dup'), ctx), 409, 'AlreadyExists', /^configmaps "dup" already exists$/);
  });

  it('answers 404 NotFound in kube words', async () => {
    await rejects(configmaps.get('ns1', 'missing'), 404, 'NotFound', /^configmaps "missing" not found$/);
  });

  it('refuses an invalid name with 422 and the field path', async () => {
    const err = await rejects(configmaps.create('ns1', cm('Bad_Name'), ctx), 422, 'Invalid', /^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    assert.equal(err.details?.causes?.[0]?.field, 'metadata.name');
  });

  it('lets exactly one of 50 parallel updates with the same resourceVersion win', async () => {
    const base = await configmaps.create('ns1', cm('race'), ctx);
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => configmaps.update('ns1', 'race', { ...base, data: { a: String(i + 100) } }, ctx)),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(won.length, 1);
    assert.equal(lost.length, 49);
    for (const r of lost) {
      assert.ok(isStatusError(r.reason));
      assert.equal(r.reason.httpCode, 409);
      assert.equal(
        r.reason.message,
        'Operation cannot be fulfilled on configmaps "race": the object has been modified; please apply your changes to the latest version and try again',
      );
    }
  });

  it('retries unconditional updates and patches under contention so none is lost', async () => {
    await configmaps.create('ns1', cm('counter', {}), ctx);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => configmaps.patch('ns1', 'counter', PatchType.merge, { data: { [`k${i}`]: 'v' } }, ctx)),
    );
    const final = await configmaps.get('ns1', 'counter');
    assert.equal(Object.keys(final.data as object).length, 20);
  });

  it('server-side applies: creates, writes again only when something changed, honours dry run and a pinned resourceVersion', async () => {
    const created = await configmaps.apply('ns1', 'applied', cm('applied'), ctx);
    assert.equal(created.created, true);
    assert.equal(created.object.metadata?.managedFields?.[0]?.operation, 'Apply');
    const same = await configmaps.apply('ns1', 'applied', cm('applied'), ctx);
    assert.equal(same.created, false);
    assert.equal(same.object.metadata?.resourceVersion, created.object.metadata?.resourceVersion, 'an apply that changes nothing is no write');
    const dry = await configmaps.apply('ns1', 'applied', cm('applied', { b: '2' }), { ...ctx, dryRun: true });
    assert.deepEqual(dry.object.data, { b: '2' });
    assert.deepEqual((await configmaps.get('ns1', 'applied')).data, { a: '1' });
    const stale = { ...cm('applied', { a: '3' }), metadata: { name: 'applied', resourceVersion: '1' } };
    await rejects(configmaps.apply('ns1', 'applied', stale, ctx), 409, 'Conflict', /the object has been modified/);
    await rejects(configmaps.apply('ns1', 'applied', { ...cm('applied'), apiVersion: 'v2' }, ctx), 400, 'BadRequest', /^Incorrect version specified in apply patch\. Specified patch version: v2, expected: v1$/);
    await rejects(configmaps.apply('ns1', 'applied', { ...cm('applied'), metadata: { name: 'applied', managedFields: [] } }, ctx), 400, 'BadRequest', /^metadata\.managedFields must be nil$/);
  });

  it('creates once when parallel appliers race to a new name, and applies the others to it', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => configmaps.apply('ns1', 'raced', cm('raced', { [`k${i}`]: 'v' }), { ...ctx, fieldManager: `m${i}` })),
    );
    assert.equal(results.filter((r) => r.created).length, 1);
    const final = await configmaps.get('ns1', 'raced');
    assert.equal(Object.keys(final.data as object).length, 8);
    assert.equal(final.metadata?.managedFields?.length, 8);
  });

  it('lets a JSON patch replace managedFields and the resourceVersion it read, as kubectl does to switch to server-side apply', async () => {
    const created = await configmaps.create('ns1', cm('migrated'), { ...ctx, fieldManager: 'kubectl-client-side-apply' });
    const entries = created.metadata!.managedFields!.map((e) => ({ ...e, manager: 'kubectl', operation: 'Apply' as const }));
    const patch = [
      { op: 'replace', path: '/metadata/managedFields', value: entries },
      { op: 'replace', path: '/metadata/resourceVersion', value: created.metadata?.resourceVersion },
    ];
    const migrated = await configmaps.patch('ns1', 'migrated', PatchType.json, patch, ctx);
    assert.deepEqual(migrated.metadata?.managedFields?.map((e) => [e.manager, e.operation]), [['kubectl', 'Apply']]);
    assert.notEqual(migrated.metadata?.resourceVersion, created.metadata?.resourceVersion);
    await rejects(configmaps.patch('ns1', 'migrated', PatchType.json, patch, ctx), 409, 'Conflict', /the object has been modified/);
  });

  it('does not write when an update changes nothing', async () => {
    const base = await configmaps.create('ns1', cm('noop'), ctx);
    const again = await configmaps.update('ns1', 'noop', base, ctx);
    assert.equal(again.metadata?.resourceVersion, base.metadata?.resourceVersion);
  });

  it('checks delete preconditions', async () => {
    const obj = await configmaps.create('ns1', cm('pre'), ctx);
    await rejects(
      configmaps.delete('ns1', 'pre', { preconditions: { uid: 'other' } }, ctx),
      409,
      'Conflict',
      new RegExp(`Precondition failed: UID in precondition: other, UID in object meta: ${obj.metadata?.uid}`),
    );
    const status = (await configmaps.delete('ns1', 'pre', { preconditions: { uid: obj.metadata?.uid } }, ctx)) as { status: string };
    assert.equal(status.status, 'Success');
    await rejects(configmaps.get('ns1', 'pre'), 404, 'NotFound');
  });

  it('draws a generated name and retries it on collision', async () => {
    const created = await configmaps.create('ns1', { metadata: { generateName: 'gen-' }, data: {} }, ctx);
    assert.match(created.metadata?.name ?? '', /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('persists nothing on dryRun', async () => {
    await configmaps.create('ns1', cm('dry'), { ...ctx, dryRun: true });
    await rejects(configmaps.get('ns1', 'dry'), 404, 'NotFound');
  });

  it('refuses objects larger than etcd accepts with 413', async () => {
    // Labels have no total limit, so they can take an object past what etcd stores.
    const labels = Object.fromEntries(Array.from({ length: 12_000 }, (_, i) => [`label-${i}-${'k'.repeat(40)}`, 'v'.repeat(60)]));
    await rejects(configmaps.create('ns1', { metadata: { name: 'huge', labels }, data: {} }, ctx), 413, 'RequestEntityTooLarge');
  });

  it('pages a list with limit/continue as one consistent snapshot, then filters by label', async () => {
    for (let i = 0; i < 7; i++) {
      await configmaps.create('ns1', { metadata: { name: `page-${i}`, labels: { page: 'yes', odd: String(i % 2) } }, data: {} }, ctx);
    }
    const first = await configmaps.list({ namespace: 'ns1', labelSelector: 'page=yes', limit: 3 });
    assert.equal(first.items.length, 3);
    assert.ok(first.metadata.continue);
    // A write between pages is not seen by the rest of the list.
    await configmaps.create('ns1', { metadata: { name: 'page-9', labels: { page: 'yes' } }, data: {} }, ctx);
    const second = await configmaps.list({ namespace: 'ns1', labelSelector: 'page=yes', limit: 3, continue: first.metadata.continue });
    const third = await configmaps.list({ namespace: 'ns1', labelSelector: 'page=yes', limit: 3, continue: second.metadata.continue });
    const names = [...first.items, ...second.items, ...third.items].map((o) => o.metadata?.name);
    assert.deepEqual(names, ['page-0', 'page-1', 'page-2', 'page-3', 'page-4', 'page-5', 'page-6']);
    assert.equal(third.metadata.continue, undefined);
    assert.equal(second.metadata.resourceVersion, first.metadata.resourceVersion);
    const odd = await configmaps.list({ namespace: 'ns1', labelSelector: 'page=yes,odd in (1)' });
    assert.deepEqual(odd.items.map((o) => o.metadata?.name), ['page-1', 'page-3', 'page-5']);
    const byName = await configmaps.list({ namespace: 'ns1', fieldSelector: 'metadata.name=page-4' });
    assert.deepEqual(byName.items.map((o) => o.metadata?.name), ['page-4']);
  });

  it('answers 410 Expired for a continue token whose revision was compacted', async () => {
    const first = await configmaps.list({ namespace: 'ns1', limit: 2 });
    await configmaps.create('ns1', cm('after-compaction'), ctx);
    await backend.compact(await backend.currentRevision());
    await rejects(configmaps.list({ namespace: 'ns1', limit: 2, continue: first.metadata.continue }), 410, 'Expired', /continue parameter is too old/);
  });

  it('marks a namespace Terminating on delete instead of removing it', async () => {
    await namespaces.create(undefined, { metadata: { name: 'doomed' } }, ctx);
    const marked = (await namespaces.delete(undefined, 'doomed', {}, ctx)) as KubeObject;
    assert.ok(marked.metadata?.deletionTimestamp);
    assert.equal((marked.status as { phase: string }).phase, 'Terminating');
    assert.equal((await namespaces.get(undefined, 'doomed')).metadata?.deletionTimestamp, marked.metadata?.deletionTimestamp);
  });

  it('keeps an object with finalizers until the last one is removed, then deletes it', async () => {
    await configmaps.create('ns1', { metadata: { name: 'guarded', finalizers: ['example.com/hold', 'example.com/audit'] }, data: {} }, ctx);
    const marked = (await configmaps.delete('ns1', 'guarded', {}, ctx)) as KubeObject;
    assert.ok(marked.metadata?.deletionTimestamp);
    assert.equal(marked.metadata?.deletionGracePeriodSeconds, 0);
    // Deleting again changes nothing.
    const again = (await configmaps.delete('ns1', 'guarded', {}, ctx)) as KubeObject;
    assert.equal(again.metadata?.resourceVersion, marked.metadata?.resourceVersion);
    await configmaps.patch('ns1', 'guarded', PatchType.json, [{ op: 'remove', path: '/metadata/finalizers/0' }], ctx);
    assert.deepEqual((await configmaps.get('ns1', 'guarded')).metadata?.finalizers, ['example.com/audit']);
    await configmaps.patch('ns1', 'guarded', PatchType.merge, { metadata: { finalizers: null } }, ctx);
    await rejects(configmaps.get('ns1', 'guarded'), 404, 'NotFound');
  });

  it('lets admission mutate before validation and deny with its own Status', async () => {
    const seen: string[] = [];
    const hook: AdmissionHook = {
      mutate: async (r) => {
        seen.push(`mutate:${r.operation}`);
        return { ...r.object, metadata: { ...r.object?.metadata, labels: { mutated: 'true' } } };
      },
      validate: async (r) => {
        seen.push(`validate:${r.operation}`);
        if (r.object?.metadata?.name === 'denied') throw Object.assign(new Error('x'));
      },
    };
    const store = new GenericStore(configMapStrategy, backend, hook);
    const created = await store.create('ns1', cm('admitted'), ctx);
    assert.equal(created.metadata?.labels?.mutated, 'true');
    assert.deepEqual(seen, ['mutate:CREATE', 'validate:CREATE']);
    await assert.rejects(store.create('ns1', cm('denied'), ctx));
    await rejects(store.get('ns1', 'denied'), 404, 'NotFound');
  });
});
