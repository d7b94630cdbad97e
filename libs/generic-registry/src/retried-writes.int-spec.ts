// A client's write retried after its first attempt had written (the registry replica died before it
// could answer, and the front door asked another): against a real etcd, the retry answers with what
// the first attempt wrote, and nothing is applied twice.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStatusError, PatchType, type KubeObject } from '@kapi/api-machinery';
import { configMapStrategy, namespaceStrategy } from '@kapi/kinds';
import { freePort, startEtcd, type EtcdHandle } from '@kapi/local-stack';
import { EtcdBackend, REQUEST_RECORD_PREFIX } from '@kapi/storage';
import { allowAll } from './admission.js';
import { GenericStore, type WriteContext } from './store.js';

const alice = { username: 'alice', uid: '', groups: ['system:masters'], extra: {} };

/** The first attempt of a request, and its retry. */
function attempts(user = alice) {
  const id = randomUUID();
  const base = { user, dryRun: false, fieldManager: 'kubectl' };
  return { id, first: { ...base, request: { id, retry: false } } as WriteContext, retry: { ...base, request: { id, retry: true } } as WriteContext };
}

const cm = (name: string, extra: Partial<KubeObject> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: '1' }, ...extra });

describe('a write retried after its first attempt wrote', () => {
  let etcd: EtcdHandle;
  let dir: string;
  let backend: EtcdBackend;
  let configmaps: GenericStore;
  let namespaces: GenericStore;
  const names = async (prefix: string) => (await configmaps.list({ namespace: 'ns1' })).items.map((i) => i.metadata!.name!).filter((n) => n.startsWith(prefix));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kapi-retried-'));
    etcd = await startEtcd({ dataDir: join(dir, 'etcd'), clientPort: await freePort(), peerPort: await freePort() });
    backend = new EtcdBackend({ endpoints: etcd.endpoints });
    namespaces = new GenericStore(namespaceStrategy, backend, allowAll);
    configmaps = new GenericStore(configMapStrategy, backend, allowAll);
    await namespaces.create(undefined, { metadata: { name: 'ns1' } }, { user: alice, dryRun: false, fieldManager: 'test' });
  });

  after(async () => {
    await backend.close();
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a create answers with the object its first attempt made, not 409 AlreadyExists', async () => {
    const { first, retry } = attempts();
    const created = await configmaps.create('ns1', cm('once'), first);
    assert.deepEqual(await configmaps.create('ns1', cm('once'), retry), created);
    assert.deepEqual(await names('once'), ['once']);
  });

  it('a create with generateName makes one object, not two', async () => {
    const { first, retry } = attempts();
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' }, data: { a: '1' } };
    const created = await configmaps.create('ns1', body, first);
    const again = await configmaps.create('ns1', body, retry);
    assert.equal(again.metadata?.name, created.metadata?.name);
    assert.deepEqual(await names('gen-'), [created.metadata!.name]);
  });

  it("a JSON patch's add is applied once", async () => {
    await configmaps.create('ns1', cm('appended', { metadata: { name: 'appended', finalizers: [] } }), { user: alice, dryRun: false, fieldManager: 'test' });
    const { first, retry } = attempts();
    const add = [{ op: 'add', path: '/metadata/finalizers/-', value: 'example.com/one' }];
    const patched = await configmaps.patch('ns1', 'appended', PatchType.json, add, first);
    assert.deepEqual(await configmaps.patch('ns1', 'appended', PatchType.json, add, retry), patched);
    assert.deepEqual((await configmaps.get('ns1', 'appended')).metadata?.finalizers, ['example.com/one']);
  });

  it('an update that pinned its resourceVersion answers with its own write, not 409 Conflict', async () => {
    const base = await configmaps.create('ns1', cm('pinned'), { user: alice, dryRun: false, fieldManager: 'test' });
    const { first, retry } = attempts();
    const updated = await configmaps.update('ns1', 'pinned', { ...base, data: { a: '2' } }, first);
    assert.deepEqual(await configmaps.update('ns1', 'pinned', { ...base, data: { a: '2' } }, retry), updated);
  });

  it('a delete answers as the delete did, not 404 NotFound', async () => {
    await configmaps.create('ns1', cm('deleted'), { user: alice, dryRun: false, fieldManager: 'test' });
    const { first, retry } = attempts();
    const deleted = await configmaps.delete('ns1', 'deleted', {}, first);
    assert.deepEqual(await configmaps.delete('ns1', 'deleted', {}, retry), deleted);
  });

  it('a server-side apply that created the object still says it created it', async () => {
    const { first, retry } = attempts();
    const applied = await configmaps.apply('ns1', 'applied-once', cm('applied-once'), first);
    assert.equal(applied.created, true);
    assert.deepEqual(await configmaps.apply('ns1', 'applied-once', cm('applied-once'), retry), applied);
  });

  it('a write that finds its request has written meanwhile (the first attempt landed while the retry ran) answers with that write', async () => {
    await configmaps.create('ns1', cm('late'), { user: alice, dryRun: false, fieldManager: 'test' });
    const { first } = attempts();
    const landed = await configmaps.patch('ns1', 'late', PatchType.merge, { data: { b: '2' } }, first);
    // The retry's own write, made as if it had looked before the first attempt landed.
    const answered = await configmaps.patch('ns1', 'late', PatchType.merge, { data: { c: '3' } }, first);
    assert.deepEqual(answered, landed);
    assert.deepEqual((await configmaps.get('ns1', 'late')).data, { a: '1', b: '2' }, 'not applied a second time');
  });

  it("answers from a record only for the same user and the same resource", async () => {
    const { id, first } = attempts();
    await configmaps.create('ns1', cm('alices'), first);
    const mallory = { user: { ...alice, username: 'mallory' }, dryRun: false, fieldManager: 'kubectl', request: { id, retry: true } };
    await assert.rejects(configmaps.create('ns1', cm('alices'), mallory), (err: unknown) => isStatusError(err) && err.httpCode === 409);
    const ns = await namespaces.get(undefined, 'ns1');
    const otherResource = await namespaces.update(undefined, 'ns1', { ...ns, metadata: { ...ns.metadata, labels: { l: 'v' } } }, { ...first, request: { id, retry: true } }).catch((err: unknown) => err);
    assert.ok(isStatusError(otherResource) && otherResource.httpCode === 500, 'a record of another resource is never taken for this one');
    assert.equal((await namespaces.get(undefined, 'ns1')).metadata?.labels?.l, undefined, 'nor is a write made under its id');
  });

  it('keeps the record outside /registry/, under a lease of ten minutes, and nothing for writes no client asked for or dry runs', async () => {
    const before = await backend.list(REQUEST_RECORD_PREFIX);
    const { id, first } = attempts();
    await configmaps.create('ns1', cm('recorded'), first);
    await configmaps.create('ns1', cm('unrecorded'), { user: alice, dryRun: false, fieldManager: 'test' });
    await configmaps.create('ns1', cm('dry'), { ...attempts().first, dryRun: true });
    const records = (await backend.list(REQUEST_RECORD_PREFIX)).items;
    assert.deepEqual(
      records.filter((r) => !before.items.some((b) => b.key === r.key)).map((r) => r.key),
      [`${REQUEST_RECORD_PREFIX}${id}`],
    );
    const raw = await backend.client.kv.range({ key: Buffer.from(`${REQUEST_RECORD_PREFIX}${id}`) });
    const lease = await backend.client.leaseClient.leaseTimeToLive({ ID: raw.kvs[0].lease });
    assert.ok(Number(lease.TTL) > 0 && Number(lease.TTL) <= 600, `TTL ${lease.TTL}`);
    const recorded = (await configmaps.get('ns1', 'recorded')).metadata?.resourceVersion;
    assert.equal(String(records.find((r) => r.key.endsWith(id))?.modRevision), recorded, 'written in the same transaction as the object');
  });
});
