// The generic store against a real etcd.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStatusError, PatchType, type KubeObject, type StatusError } from '@kapi/api-machinery';
import {
  certificateSigningRequestStrategy,
  configMapStrategy,
  customResourceStrategy,
  deploymentStrategy,
  eventStrategy,
  eventsV1EventStrategy,
  namespaceStrategy,
  podStrategy,
  type CustomResourceDefinition,
} from '@kapi/kinds';
import { freePort, startEtcd, type EtcdHandle } from '@kapi/local-stack';
import { EtcdBackend } from '@kapi/storage';
import { allowAll, newWriteRecorder, type AdmissionHook, type AdmissionRequest } from './admission.js';
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

/**
 * A CRD served in v1 (storage, `spec.size`) and v2 (`spec.replicas`), and a conversion webhook
 * between them: `large` is 3 replicas, anything else 1; `hook.down` makes it unreachable.
 */
function sizerConversion(plural: string, kind = 'Sizer') {
  const schema = (spec: Record<string, { type: string }>) => ({ openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: spec } } } });
  const crd: CustomResourceDefinition = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.conv.kapi.io`, resourceVersion: '1' },
    spec: {
      group: 'conv.kapi.io',
      scope: 'Namespaced',
      names: { plural, singular: plural.replace(/s$/, ''), kind, listKind: `${kind}List` },
      conversion: { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'], clientConfig: { url: 'https://hook.example.com/convert' } } },
      versions: [
        { name: 'v1', served: true, storage: true, schema: schema({ size: { type: 'string' } }) },
        { name: 'v2', served: true, storage: false, schema: schema({ replicas: { type: 'integer' } }) },
      ],
    },
    status: { conditions: [{ type: 'Established', status: 'True' }] },
  };
  const hook = { down: false };
  const reviews: number[] = [];
  /** The desiredAPIVersion of each review, in order. */
  const desired: string[] = [];
  const conversionTransport = {
    post: async (_config: unknown, review: unknown) => {
      if (hook.down) throw new Error('Post "https://hook.example.com/convert?timeout=30s": dial tcp: connect: connection refused');
      const { request } = review as { request: { uid: string; desiredAPIVersion: string; objects: KubeObject[] } };
      reviews.push(request.objects.length);
      desired.push(request.desiredAPIVersion);
      const convertedObjects = request.objects.map((o) => {
        const spec = o.spec as { size?: string; replicas?: number };
        return { ...o, apiVersion: request.desiredAPIVersion, spec: request.desiredAPIVersion.endsWith('/v2') ? { replicas: spec.size === 'large' ? 3 : 1 } : { size: spec.replicas === 3 ? 'large' : 'small' } };
      });
      return JSON.stringify({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview', response: { uid: request.uid, result: { status: 'Success' }, convertedObjects } });
    },
  };
  return { crd, conversionTransport, reviews, desired, hook };
}

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
    configmaps = new GenericStore(configMapStrategy, backend, allowAll);
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

  it('meets an existing object on a dry-run create, as a create would', async () => {
    await configmaps.create('ns1', cm('there'), ctx);
    await rejects(configmaps.create('ns1', cm('there'), { ...ctx, dryRun: true }), 409, 'AlreadyExists');
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
    // Without selectors every page says how many items remain, continue pages too; with one, none does.
    assert.equal(first.metadata.remainingItemCount, undefined);
    const all = await configmaps.list({ namespace: 'ns1' });
    let page = await configmaps.list({ namespace: 'ns1', limit: 2 });
    let seen = 0;
    while (page.metadata.continue) {
      seen += page.items.length;
      assert.equal(seen + (page.metadata.remainingItemCount ?? -1), all.items.length);
      page = await configmaps.list({ namespace: 'ns1', limit: 2, continue: page.metadata.continue });
    }
    assert.equal(page.metadata.remainingItemCount, undefined);
    assert.equal(seen + page.items.length, all.items.length);
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

  it('decodes a patched object by the kind\'s schema: wrong types are invalid, unknown fields dropped, lists merged by key', async () => {
    await configmaps.create('ns1', { ...cm('typed'), metadata: { name: 'typed', ownerReferences: [{ apiVersion: 'v1', kind: 'Namespace', name: 'ns1', uid: 'u1' }] } }, ctx);
    const err = await rejects(configmaps.patch('ns1', 'typed', PatchType.merge, { data: { b: 2 } }, ctx), 422, 'Invalid');
    assert.match(err.message, /^ "" is invalid: patch: Invalid value: ".*": json: cannot unmarshal number into Go struct field ConfigMap\.data of type string$/);
    const patched = await configmaps.patch(
      'ns1',
      'typed',
      PatchType.strategic,
      { bogus: true, metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'Namespace', name: 'other', uid: 'u2' }] } },
      ctx,
    );
    assert.equal('bogus' in patched, false);
    assert.deepEqual(patched.metadata?.ownerReferences?.map((r) => r.uid), ['u2', 'u1']);
  });

  it('marks a bound pod for its kubelet, and removes it once asked with no grace period', async () => {
    const pods = new GenericStore(podStrategy, backend, allowAll);
    const pod = (name: string, nodeName?: string): KubeObject => ({ metadata: { name }, spec: { nodeName, terminationGracePeriodSeconds: 20, containers: [{ name: 'c', image: 'nginx' }] } });
    assert.equal((await pods.create('ns1', pod('bound', 'node-1'), ctx)).metadata?.generation, 1);
    const marked = (await pods.delete('ns1', 'bound', {}, ctx)) as KubeObject;
    assert.equal(marked.metadata?.deletionGracePeriodSeconds, 20);
    assert.ok(Date.parse(marked.metadata?.deletionTimestamp ?? '') > Date.now() + 10_000);
    // A second delete may shorten the period, never lengthen it.
    assert.equal(((await pods.delete('ns1', 'bound', { gracePeriodSeconds: 60 }, ctx)) as KubeObject).metadata?.deletionGracePeriodSeconds, 20);
    assert.equal(((await pods.delete('ns1', 'bound', { gracePeriodSeconds: 5 }, ctx)) as KubeObject).metadata?.deletionGracePeriodSeconds, 5);
    // The kubelet's status writes do not end the grace period.
    await pods.patch('ns1', 'bound', PatchType.merge, { status: { phase: 'Running' } }, ctx, 'status');
    assert.equal((await pods.get('ns1', 'bound')).metadata?.deletionGracePeriodSeconds, 5);
    const removed = (await pods.delete('ns1', 'bound', { gracePeriodSeconds: 0 }, ctx)) as KubeObject;
    // Pods answer a delete with the object, as kube's pod storage does.
    assert.equal(removed.kind, 'Pod');
    await rejects(pods.get('ns1', 'bound'), 404, 'NotFound');

    // With a finalizer, ending the grace period leaves the pod to its finalizer, which then removes it.
    await pods.create('ns1', { ...pod('held', 'node-1'), metadata: { name: 'held', finalizers: ['example.com/hold'] } }, ctx);
    assert.equal(((await pods.delete('ns1', 'held', {}, ctx)) as KubeObject).metadata?.deletionGracePeriodSeconds, 20);
    assert.equal(((await pods.delete('ns1', 'held', { gracePeriodSeconds: 0 }, ctx)) as KubeObject).metadata?.deletionGracePeriodSeconds, 0);
    await pods.patch('ns1', 'held', PatchType.merge, { metadata: { finalizers: null } }, ctx);
    await rejects(pods.get('ns1', 'held'), 404, 'NotFound');

    await pods.create('ns1', pod('unbound'), ctx);
    assert.equal(((await pods.delete('ns1', 'unbound', {}, ctx)) as KubeObject).metadata?.name, 'unbound');
    await rejects(pods.get('ns1', 'unbound'), 404, 'NotFound');
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

  it("runs admission in kube's order: mutating on the defaulted object before the kind prepares it, validating on the prepared one", async () => {
    const requests: AdmissionRequest[] = [];
    const hook: AdmissionHook = {
      mutate: async (r) => {
        requests.push(structuredClone({ ...r, recorder: undefined }));
        if (!r.object) return undefined;
        // What a mutating webhook may do: set a label, and a status the kind's strategy drops.
        return { ...r.object, metadata: { ...r.object.metadata, labels: { ...r.object.metadata?.labels, admitted: 'yes' } }, status: { phase: 'Running' } };
      },
      validate: async (r) => void requests.push(structuredClone({ ...r, recorder: undefined })),
    };
    const pods = new GenericStore(podStrategy, backend, hook);
    const recorder = newWriteRecorder();
    const request = { id: 'req-1', retry: false };
    const created = await pods.create('ns1', { metadata: { generateName: 'web-' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }, { ...ctx, recorder, request, options: { fieldManager: 'kubectl-test' } });
    const [mutating, validating] = requests;

    // Mutating admission: the client's object with kube's defaults, before a name, uid or status.
    assert.equal(mutating.operation, 'CREATE');
    assert.deepEqual(mutating.kind, { group: '', version: 'v1', kind: 'Pod' });
    assert.deepEqual(mutating.resource, { group: '', version: 'v1', resource: 'pods' });
    assert.equal(mutating.namespace, 'ns1');
    assert.equal(mutating.name, '');
    assert.equal(mutating.uid, 'req-1');
    assert.deepEqual(mutating.options, { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1', fieldManager: 'kubectl-test' });
    assert.equal(mutating.object?.metadata?.name, undefined);
    assert.equal(mutating.object?.metadata?.uid, undefined);
    assert.equal(mutating.object?.metadata?.creationTimestamp, undefined);
    assert.equal(mutating.object?.status, undefined);
    assert.equal((mutating.object?.spec as { restartPolicy?: string }).restartPolicy, 'Always');
    assert.equal(mutating.object?.metadata?.managedFields?.[0]?.manager, 'kubectl-test');

    // Validating admission: the prepared object, with its generated name, uid and the kind's status.
    assert.equal(validating.name, created.metadata?.name);
    assert.match(validating.name, /^web-[a-z0-9]{5}$/);
    assert.equal(validating.object?.metadata?.uid, created.metadata?.uid);
    assert.equal((validating.object?.status as { phase?: string }).phase, 'Pending');

    // The strategy dropped admission's status, kept its label, and what admission added belongs to no manager.
    assert.equal((created.status as { phase?: string }).phase, 'Pending');
    assert.equal(created.metadata?.labels?.admitted, 'yes');
    assert.equal(JSON.stringify(created.metadata?.managedFields).includes('admitted'), false);

    // An update: admission sees the stored object as the old one, and the client's as sent.
    requests.length = 0;
    const name = created.metadata!.name!;
    await pods.patch('ns1', name, PatchType.merge, { metadata: { annotations: { a: '1' } } }, { ...ctx, dryRun: true });
    assert.deepEqual(requests.map((r) => [r.operation, r.dryRun, r.oldObject?.metadata?.resourceVersion, r.options?.kind]), [
      ['UPDATE', true, created.metadata?.resourceVersion, 'UpdateOptions'],
      ['UPDATE', true, created.metadata?.resourceVersion, 'UpdateOptions'],
    ]);

    // A namespace's own requests are, for admission, in that namespace, as kube's request info has it.
    requests.length = 0;
    await new GenericStore(namespaceStrategy, backend, hook).create(undefined, { metadata: { name: 'admitted-ns' } }, ctx);
    assert.deepEqual(requests.map((r) => [r.namespace, r.name]), [['admitted-ns', 'admitted-ns'], ['admitted-ns', 'admitted-ns']]);

    // A delete is admitted twice with the stored object, mutating then validating, and its DeleteOptions.
    requests.length = 0;
    await pods.delete('ns1', name, { gracePeriodSeconds: 0 }, ctx);
    assert.deepEqual(requests.map((r) => [r.operation, r.object, r.oldObject?.metadata?.name, r.options]), [
      ['DELETE', undefined, name, { gracePeriodSeconds: 0, kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1' }],
      ['DELETE', undefined, name, { gracePeriodSeconds: 0, kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1' }],
    ]);
  });

  it('shows admission a Scale when the scale subresource is written, and writes back what admission changed', async () => {
    const kinds: string[] = [];
    const hook: AdmissionHook = {
      mutate: async (r) => {
        kinds.push(`${r.kind.kind}:${r.object?.kind}:${r.oldObject?.kind}`);
        // A mutating plugin that caps replicas at 3.
        const replicas = (r.object?.spec as { replicas?: number }).replicas ?? 0;
        return { ...r.object, spec: { ...(r.object?.spec as object), replicas: Math.min(replicas, 3) } };
      },
      validate: async (r) => void kinds.push(`${r.kind.kind}:${r.object?.kind}`),
    };
    const deployments = new GenericStore(deploymentStrategy, backend, allowAll);
    const template = { metadata: { labels: { app: 'capped' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } };
    await deployments.create('ns1', { metadata: { name: 'capped' }, spec: { selector: { matchLabels: { app: 'capped' } }, template } }, ctx);
    const scaled = await new GenericStore(deploymentStrategy, backend, hook).patch('ns1', 'capped', PatchType.merge, { spec: { replicas: 7 } }, ctx, 'scale');
    assert.deepEqual(kinds, ['Scale:Scale:Scale', 'Scale:Scale']);
    assert.equal((scaled.spec as { replicas?: number }).replicas, 3);
    assert.equal(((await deployments.get('ns1', 'capped')).spec as { replicas?: number }).replicas, 3);
  });

  it('drops duplicate ownerReferences with kube\'s warning, and keeps managedFields admission broke as they were', async () => {
    const hook: AdmissionHook = {
      mutate: async (r) => ({ ...r.object, metadata: { ...r.object?.metadata, managedFields: 'not a list' as never } }),
      validate: async () => {},
    };
    const store = new GenericStore(configMapStrategy, backend, hook);
    const recorder = newWriteRecorder();
    const owner = { apiVersion: 'v1', kind: 'ConfigMap', name: 'o', uid: 'dup-uid' };
    const created = await store.create('ns1', { ...cm('owned'), metadata: { name: 'owned', ownerReferences: [owner, owner] } }, { ...ctx, recorder });
    assert.deepEqual(created.metadata?.ownerReferences, [owner]);
    assert.deepEqual(recorder.warnings, [
      '.metadata.ownerReferences contains duplicate entries; API server dedups owner references in 1.20+, and may reject such requests as early as 1.24; please fix your requests; duplicate UID(s) observed: dup-uid',
    ]);
    assert.equal(created.metadata?.managedFields?.[0]?.manager, 'kubectl-test');
  });

  it('serves a Scale for kinds that declare one, writing replicas through the kind\'s own update', async () => {
    const deployments = new GenericStore(deploymentStrategy, backend, allowAll);
    const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } };
    await deployments.create('ns1', { metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, template } }, ctx);
    await deployments.patch('ns1', 'web', PatchType.merge, { status: { replicas: 1 } }, ctx, 'status');

    const scale = await deployments.get('ns1', 'web', 'scale');
    assert.deepEqual([scale.kind, scale.apiVersion, scale.spec, scale.status], ['Scale', 'autoscaling/v1', { replicas: 1 }, { replicas: 1, selector: 'app=web' }]);
    const patched = await deployments.patch('ns1', 'web', PatchType.merge, { spec: { replicas: 4 } }, ctx, 'scale');
    assert.equal(patched.kind, 'Scale');
    assert.deepEqual(patched.spec, { replicas: 4 });
    const stored = await deployments.get('ns1', 'web');
    assert.deepEqual([(stored.spec as { replicas: number }).replicas, stored.metadata?.generation, stored.status], [4, 2, { replicas: 1 }]);
    assert.equal(patched.metadata?.resourceVersion, stored.metadata?.resourceVersion);

    // A Scale read before that write is stale: its resourceVersion is a precondition.
    await rejects(deployments.update('ns1', 'web', { ...scale, spec: { replicas: 2 } }, ctx, 'scale'), 409, 'Conflict', /the object has been modified/);
    const unpinned = await deployments.update('ns1', 'web', { ...scale, metadata: { ...scale.metadata, resourceVersion: undefined }, spec: { replicas: 0 } }, ctx, 'scale');
    assert.deepEqual(unpinned.spec, {});
    await rejects(deployments.update('ns1', 'web', { ...scale, metadata: { name: 'web' }, spec: { replicas: -1 } }, ctx, 'scale'), 422, 'Invalid', /^Scale\.autoscaling "web" is invalid/);
    await rejects(configmaps.get('ns1', 'first', 'scale'), 404, 'NotFound');
  });

  it('stores an events.k8s.io Event as a core Event, and each API reads it in its own shape', async () => {
    const v1Events = new GenericStore(eventsV1EventStrategy, backend, allowAll);
    const coreEvents = new GenericStore(eventStrategy, backend, allowAll);
    const created = await v1Events.create(
      'ns1',
      {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name: 'e1' },
        eventTime: '2026-01-01T00:00:00.000000Z',
        reportingController: 'example.com/c',
        reportingInstance: 'c-0',
        action: 'Act',
        reason: 'Why',
        regarding: { kind: 'Pod', namespace: 'ns1', name: 'p' },
        note: 'hello',
        type: 'Normal',
      },
      ctx,
    );
    assert.equal(created.note, 'hello');
    const raw = JSON.parse((await backend.get('/registry/events/ns1/e1'))!.value.toString('utf8'));
    assert.deepEqual([raw.apiVersion, raw.message, raw.involvedObject.name, raw.reportingComponent, raw.note], ['v1', 'hello', 'p', 'example.com/c', undefined]);
    const core = await coreEvents.get('ns1', 'e1');
    assert.deepEqual([core.apiVersion, core.message, core.metadata?.resourceVersion], ['v1', 'hello', created.metadata?.resourceVersion]);
    const listed = await v1Events.list({ namespace: 'ns1', fieldSelector: 'regarding.name=p' });
    assert.deepEqual(listed.items.map((e) => [e.apiVersion, e.note]), [['events.k8s.io/v1', 'hello']]);
  });

  it("converts a Webhook CRD's objects through its webhook: writes to the storage version, reads and a list page (one review) back", async () => {
    const { crd, conversionTransport, reviews, hook } = sizerConversion('sizers');
    const v2 = new GenericStore(customResourceStrategy(crd, 'v2', { conversionTransport })!, backend, allowAll);
    const created = await v2.create('ns1', { apiVersion: 'conv.kapi.io/v2', kind: 'Sizer', metadata: { name: 'big' }, spec: { replicas: 3 } }, ctx);
    assert.deepEqual([created.apiVersion, created.spec], ['conv.kapi.io/v2', { replicas: 3 }]);
    const raw = JSON.parse((await backend.get('/registry/conv.kapi.io/sizers/ns1/big'))!.value.toString('utf8'));
    assert.deepEqual([raw.apiVersion, raw.spec], ['conv.kapi.io/v1', { size: 'large' }]);
    await v2.create('ns1', { apiVersion: 'conv.kapi.io/v2', kind: 'Sizer', metadata: { name: 'little' }, spec: { replicas: 1 } }, ctx);
    reviews.length = 0;
    const listed = await v2.list({ namespace: 'ns1' });
    assert.deepEqual(listed.items.map((i) => [i.metadata?.name, i.apiVersion, i.spec]), [
      ['big', 'conv.kapi.io/v2', { replicas: 3 }],
      ['little', 'conv.kapi.io/v2', { replicas: 1 }],
    ]);
    assert.deepEqual(reviews, [2], 'one review for the page');
    assert.deepEqual((await v2.get('ns1', 'big')).spec, { replicas: 3 });
    // A webhook that is down: kube's 500, and nothing written.
    hook.down = true;
    await rejects(v2.create('ns1', { apiVersion: 'conv.kapi.io/v2', kind: 'Sizer', metadata: { name: 'never' }, spec: { replicas: 1 } }, ctx), 500, '', /^conversion webhook for conv\.kapi\.io\/v2, Kind=Sizer failed: Post /);
    assert.equal(await backend.get('/registry/conv.kapi.io/sizers/ns1/never'), undefined);
    await rejects(v2.get('ns1', 'big'), 500, '', /^conversion webhook for conv\.kapi\.io\/v1, Kind=Sizer failed: Post /);
  });

  it('answers a write in a non-storage version with what was stored, converted back by the webhook; a dry run converts too', async () => {
    const { crd, conversionTransport, desired, hook } = sizerConversion('growers', 'Grower');
    const v2 = new GenericStore(customResourceStrategy(crd, 'v2', { conversionTransport })!, backend, allowAll);
    const dryRun = { ...ctx, dryRun: true };
    const two = (name: string): KubeObject => ({ apiVersion: 'conv.kapi.io/v2', kind: 'Grower', metadata: { name }, spec: { replicas: 2 } });
    // 2 replicas is stored as "small", which reads back as 1: the answer is the stored object's, as kube's.
    const created = await v2.create('ns1', two('plain'), ctx);
    assert.deepEqual([created.apiVersion, created.spec], ['conv.kapi.io/v2', { replicas: 1 }]);
    assert.deepEqual(desired, ['conv.kapi.io/v1', 'conv.kapi.io/v2'], 'to the storage version, then back');
    assert.equal(created.metadata?.resourceVersion, String((await backend.get('/registry/conv.kapi.io/growers/ns1/plain'))!.modRevision));
    desired.length = 0;
    const dryCreated = await v2.create('ns1', two('dry'), dryRun);
    assert.deepEqual([dryCreated.apiVersion, dryCreated.spec], ['conv.kapi.io/v2', { replicas: 1 }]);
    assert.deepEqual(desired, ['conv.kapi.io/v1', 'conv.kapi.io/v2'], 'a dry-run create converts as a create does');
    assert.equal(await backend.get('/registry/conv.kapi.io/growers/ns1/dry'), undefined);
    const current = await v2.get('ns1', 'plain');
    desired.length = 0;
    const dryUpdated = await v2.update('ns1', 'plain', { ...current, spec: { replicas: 3 } }, dryRun);
    assert.deepEqual(dryUpdated.spec, { replicas: 3 });
    assert.deepEqual(desired, ['conv.kapi.io/v2', 'conv.kapi.io/v1', 'conv.kapi.io/v2'], 'the read, then to storage and back');
    assert.deepEqual((await v2.get('ns1', 'plain')).spec, { replicas: 1 });
    // A webhook that is down fails a dry run as it fails a write: kube's 500.
    hook.down = true;
    await rejects(v2.create('ns1', two('dry'), dryRun), 500, '', /^conversion webhook for conv\.kapi\.io\/v2, Kind=Grower failed: Post /);
  });

  it('hands the requester to the kind on create, and lets a kind decide what a subresource write stores', async () => {
    const csrs = new GenericStore(certificateSigningRequestStrategy, backend, allowAll);
    const pem = '-----BEGIN CERTIFICATE REQUEST-----\nMIHaMIGAAgEAMB4xDjAMBgNVBAMMBWFsaWNlMQwwCgYDVQQKDANkZXYwWTATBgcq\nhkjOPQIBBggqhkjOPQMBBwNCAAQxyOmjOma/uCcIOTJbQDaCjQyNtvIuHHNnI5OF\nKnctTim6+NyPlNWh2qIIBAQo/m+gJzSWbfmVTRzc7/vdAYw3oAAwCgYIKoZIzj0E\nAwIDSQAwRgIhAPGJC/NX2g6JOfmsL8xIGJQW+t6G4rbo3AN1oyNJX5jaAiEA0sV+\nN2os8mFsec/c5yK/mTUhN1G4AnEGbAxXdKgQc1E=\n-----END CERTIFICATE REQUEST-----\n';
    const created = await csrs.create(undefined, { metadata: { name: 'c1' }, spec: { request: Buffer.from(pem).toString('base64'), signerName: 'example.com/signer', username: 'someone' } }, ctx);
    assert.equal((created.spec as { username: string }).username, 'tester');
    const sent = { ...created, spec: { ...(created.spec as object), signerName: 'example.com/other' }, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'Test' }] } };
    const approved = await csrs.update(undefined, 'c1', sent, ctx, 'approval');
    assert.equal((approved.spec as { signerName: string }).signerName, 'example.com/signer');
    assert.deepEqual((approved.status as { conditions: { type: string }[] }).conditions.map((c) => c.type), ['Approved']);
  });
});
