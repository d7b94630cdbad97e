import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JSON_PATCH_MAX_COPY_BYTES, MAX_JSON_PATCH_OPERATIONS, PatchType, applyJsonPatch, applyMergePatch, applyPatch, applyStrategicMergePatch, type PatchMeta } from './patch.js';
import { StatusError } from './errors.js';

const cm = () => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'x', namespace: 'ns', labels: { app: 'web', tier: 'front' }, finalizers: ['a', 'b', 'c'] },
  data: { one: '1', two: '2' },
});

/** kube answers a JSON patch whose application fails with NewGenericServerResponse(422): Invalid. */
const isPatchApplyError = (err: unknown) => err instanceof StatusError && err.httpCode === 422 && err.reason === 'Invalid';
const isBadRequest = (err: unknown) => err instanceof StatusError && err.httpCode === 400 && err.reason === 'BadRequest';

describe('applyMergePatch (RFC 7386)', () => {
  it('merges objects recursively and replaces scalars', () => {
    assert.deepEqual(applyMergePatch(cm(), { data: { two: 'II', three: '3' }, metadata: { labels: { tier: 'back' } } }), {
      ...cm(),
      metadata: { ...cm().metadata, labels: { app: 'web', tier: 'back' } },
      data: { one: '1', two: 'II', three: '3' },
    });
  });

  it('deletes a member whose patch value is null', () => {
    const out = applyMergePatch(cm(), { data: { one: null }, metadata: { labels: null } }) as ReturnType<typeof cm>;
    assert.deepEqual(out.data, { two: '2' });
    assert.equal('labels' in out.metadata, false);
  });

  it('a null for an absent member changes nothing and a new nested object drops its nulls', () => {
    assert.deepEqual(applyMergePatch({ a: 1 }, { b: null }), { a: 1 });
    assert.deepEqual(applyMergePatch({ a: 1 }, { b: { c: null, d: 2 } }), { a: 1, b: { d: 2 } });
  });

  it('replaces arrays whole', () => {
    const out = applyMergePatch(cm(), { metadata: { finalizers: ['z'] } }) as ReturnType<typeof cm>;
    assert.deepEqual(out.metadata.finalizers, ['z']);
  });

  it('replaces the target when the patch is not an object', () => {
    assert.deepEqual(applyMergePatch({ a: 1 }, ['x']), ['x']);
    assert.equal(applyMergePatch({ a: 1 }, 'str'), 'str');
    assert.deepEqual(applyMergePatch('str', { a: 1 }), { a: 1 });
    assert.deepEqual(applyMergePatch({ a: [1] }, { a: { b: 1 } }), { a: { b: 1 } });
  });

  it('follows the RFC 7386 appendix examples', () => {
    const cases: [unknown, unknown, unknown][] = [
      [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
      [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
      [{ a: 'b' }, { a: null }, {}],
      [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
      [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
      [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
      [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
      [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
      [['a', 'b'], ['c', 'd'], ['c', 'd']],
      [{ a: 'b' }, ['c'], ['c']],
      [{ a: 'foo' }, null, null],
      [{ a: 'foo' }, 'bar', 'bar'],
      [{ e: null }, { a: 1 }, { e: null, a: 1 }],
      [[1, 2], { a: 'b', c: null }, { a: 'b' }],
      [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    ];
    for (const [target, patch, expected] of cases) {
      assert.deepEqual(applyMergePatch(target, patch), expected, JSON.stringify({ target, patch }));
    }
  });

  it('never mutates its inputs', () => {
    const target = cm();
    const patch = { data: { one: null, nested: { deep: 1 } } };
    const out = applyMergePatch(target, patch) as { data: { nested: { deep: number } } };
    assert.deepEqual(target, cm());
    out.data.nested.deep = 99;
    assert.equal(patch.data.nested.deep, 1);
  });
});

describe('applyJsonPatch (RFC 6902)', () => {
  it('adds members and array elements, with - appending', () => {
    const out = applyJsonPatch(cm(), [
      { op: 'add', path: '/data/three', value: '3' },
      { op: 'add', path: '/metadata/finalizers/1', value: 'x' },
      { op: 'add', path: '/metadata/finalizers/-', value: 'end' },
      { op: 'add', path: '/metadata/finalizers/0', value: 'start' },
    ]) as ReturnType<typeof cm>;
    assert.deepEqual(out.data, { one: '1', two: '2', three: '3' });
    assert.deepEqual(out.metadata.finalizers, ['start', 'a', 'x', 'b', 'c', 'end']);
  });

  it('add replaces an existing member and may target the end index', () => {
    const out = applyJsonPatch(cm(), [
      { op: 'add', path: '/data/one', value: 'uno' },
      { op: 'add', path: '/metadata/finalizers/3', value: 'd' },
    ]) as ReturnType<typeof cm>;
    assert.equal(out.data.one, 'uno');
    assert.deepEqual(out.metadata.finalizers, ['a', 'b', 'c', 'd']);
  });

  it('add at the root replaces the document', () => {
    assert.deepEqual(applyJsonPatch(cm(), [{ op: 'add', path: '', value: { a: 1 } }]), { a: 1 });
  });

  it('removes members and array elements', () => {
    const out = applyJsonPatch(cm(), [
      { op: 'remove', path: '/data/one' },
      { op: 'remove', path: '/metadata/finalizers/1' },
    ]) as ReturnType<typeof cm>;
    assert.deepEqual(out.data, { two: '2' });
    assert.deepEqual(out.metadata.finalizers, ['a', 'c']);
  });

  it('replaces members and array elements', () => {
    const out = applyJsonPatch(cm(), [
      { op: 'replace', path: '/data/one', value: 'uno' },
      { op: 'replace', path: '/metadata/finalizers/0', value: 'A' },
    ]) as ReturnType<typeof cm>;
    assert.deepEqual(out.data, { one: 'uno', two: '2' });
    assert.deepEqual(out.metadata.finalizers, ['A', 'b', 'c']);
  });

  it('moves and copies values', () => {
    const out = applyJsonPatch(cm(), [
      { op: 'move', from: '/data/one', path: '/data/uno' },
      { op: 'copy', from: '/metadata/labels/app', path: '/metadata/labels/copy' },
      { op: 'move', from: '/metadata/finalizers/0', path: '/metadata/finalizers/-' },
    ]) as ReturnType<typeof cm>;
    assert.deepEqual(out.data, { two: '2', uno: '1' });
    assert.deepEqual(out.metadata.labels, { app: 'web', tier: 'front', copy: 'web' });
    assert.deepEqual(out.metadata.finalizers, ['b', 'c', 'a']);
  });

  it('copies deeply: changing the copy does not change the source', () => {
    const out = applyJsonPatch({ a: { b: [1] } }, [
      { op: 'copy', from: '/a', path: '/c' },
      { op: 'add', path: '/c/b/-', value: 2 },
    ]);
    assert.deepEqual(out, { a: { b: [1] }, c: { b: [1, 2] } });
  });

  it('test passes on equal values and fails the whole patch otherwise', () => {
    assert.deepEqual(
      applyJsonPatch(cm(), [
        { op: 'test', path: '/data', value: { two: '2', one: '1' } },
        { op: 'replace', path: '/data/one', value: 'x' },
      ]),
      { ...cm(), data: { one: 'x', two: '2' } },
    );
    assert.throws(() => applyJsonPatch(cm(), [{ op: 'test', path: '/data/one', value: '2' }]), StatusError);
  });

  it('decodes ~1 and ~0 in pointers', () => {
    const out = applyJsonPatch({ metadata: { annotations: { 'example.com/a~b': 'x' } } }, [
      { op: 'replace', path: '/metadata/annotations/example.com~1a~0b', value: 'y' },
      { op: 'add', path: '/metadata/annotations/kubernetes.io~1name', value: 'z' },
    ]);
    assert.deepEqual(out, { metadata: { annotations: { 'example.com/a~b': 'y', 'kubernetes.io/name': 'z' } } });
  });

  it('fails on paths that are missing', () => {
    const failing: unknown[][] = [
      [{ op: 'remove', path: '/data/nope' }],
      [{ op: 'replace', path: '/data/nope', value: 'x' }],
      [{ op: 'add', path: '/spec/template/x', value: 1 }],
      [{ op: 'remove', path: '/metadata/finalizers/3' }],
      [{ op: 'add', path: '/metadata/finalizers/5', value: 'x' }],
      [{ op: 'add', path: '/metadata/finalizers/01', value: 'x' }],
      [{ op: 'move', from: '/data/nope', path: '/data/x' }],
      [{ op: 'copy', from: '/data/nope', path: '/data/x' }],
    ];
    for (const patch of failing) {
      assert.throws(() => applyJsonPatch(cm(), patch), StatusError, JSON.stringify(patch));
    }
  });

  it('answers an operation that cannot be applied with 422 Invalid, as kube-apiserver does', () => {
    assert.throws(() => applyJsonPatch(cm(), [{ op: 'remove', path: '/data/nope' }]), isPatchApplyError);
    assert.throws(() => applyJsonPatch(cm(), [{ op: 'test', path: '/data/one', value: '2' }]), isPatchApplyError);
    assert.throws(() => applyJsonPatch(cm(), [{ op: 'frobnicate', path: '/a' }]), isPatchApplyError);
  });

  it('answers 422 Invalid with kube-apiserver\'s generic message, keeping which path is missing for the log', () => {
    assert.throws(
      () => applyJsonPatch(cm(), [{ op: 'remove', path: '/data/nope' }]),
      (err: StatusError) =>
        err.httpCode === 422 &&
        err.toStatus().reason === 'Invalid' &&
        err.message === 'the server rejected our request due to an error in our request' &&
        err.toStatus().details?.causes === undefined &&
        String((err.cause as Error).message).includes('/data/nope'),
    );
  });

  it('a failing operation leaves the original untouched', () => {
    const target = cm();
    assert.throws(() =>
      applyJsonPatch(target, [
        { op: 'add', path: '/data/three', value: '3' },
        { op: 'remove', path: '/metadata/finalizers/0' },
        { op: 'test', path: '/data/one', value: 'nope' },
      ]),
    );
    assert.deepEqual(target, cm());
  });

  it('does not mutate the target on success either', () => {
    const target = cm();
    applyJsonPatch(target, [{ op: 'remove', path: '/data' }]);
    assert.deepEqual(target, cm());
  });

  it('refuses a patch that is not a list of operations with 400', () => {
    assert.throws(() => applyJsonPatch(cm(), { op: 'add', path: '/a', value: 1 }), isBadRequest);
    assert.throws(() => applyJsonPatch(cm(), 'nope'), isBadRequest);
  });

  it('refuses an unknown operation', () => {
    assert.throws(
      () => applyJsonPatch(cm(), [{ op: 'frobnicate', path: '/a' }]),
      (err: Error) => err instanceof StatusError && err.httpCode === 422 && /frobnicate/.test((err.cause as Error).message),
    );
  });
});

describe('applyJsonPatch limits (kube-apiserver\'s maxJSONPatchOperations and JSONPatchMaxCopyBytes)', () => {
  it('applies 10,000 operations and refuses 10,001 with 413 in kube\'s words', () => {
    const ops = (n: number) => Array.from({ length: n }, (_, i) => ({ op: 'add', path: `/data/k${i % 10}`, value: String(i) }));
    assert.equal((applyJsonPatch(cm(), ops(MAX_JSON_PATCH_OPERATIONS)) as { data: Record<string, string> }).data.k9, '9999');
    assert.throws(
      () => applyJsonPatch(cm(), ops(MAX_JSON_PATCH_OPERATIONS + 1)),
      (err: unknown) =>
        err instanceof StatusError &&
        err.httpCode === 413 &&
        err.reason === 'RequestEntityTooLarge' &&
        err.message === 'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001',
    );
  });

  it('answers a copy bomb (a value copied into itself again and again) with 422 once the copies pass 3 MiB', () => {
    const bomb = Array.from({ length: 40 }, (_, i) => ({ op: 'copy', from: '/data', path: `/data/c${i}` }));
    assert.throws(
      () => applyJsonPatch(cm(), bomb),
      (err: unknown) =>
        isPatchApplyError(err) &&
        (err as StatusError).message === 'the server rejected our request due to an error in our request' &&
        /^Unable to complete the copy, the accumulated size increase of copy is \d+, exceeding the limit 3145728$/.test(((err as StatusError).cause as Error).message),
    );
  });

  it('counts every copy of a patch towards the limit, by the JSON size of the copied value', () => {
    const big = 'x'.repeat(1024 * 1024);
    const copies = (n: number) => Array.from({ length: n }, (_, i) => ({ op: 'copy', from: '/big', path: `/c${i}` }));
    // Each copy is the string's JSON, 2 bytes of quotes more than the string: two fit, three do not.
    assert.equal(Object.keys(applyJsonPatch({ big }, copies(2)) as object).length, 3);
    assert.throws(() => applyJsonPatch({ big }, copies(3)), isPatchApplyError);
    assert.equal(JSON_PATCH_MAX_COPY_BYTES, 3 * 1024 * 1024);
  });

  it('counts characters Go escapes (<, >, &) as the six bytes Go writes for them', () => {
    const angled = '<'.repeat(JSON_PATCH_MAX_COPY_BYTES / 6 - 1);
    assert.doesNotThrow(() => applyJsonPatch({ a: angled }, [{ op: 'copy', from: '/a', path: '/b' }]));
    assert.throws(() => applyJsonPatch({ a: angled + '<<' }, [{ op: 'copy', from: '/a', path: '/b' }]), isPatchApplyError);
  });

  it('moves a value back and forth without growing anything', () => {
    const ops = Array.from({ length: 1000 }, (_, i) => (i % 2 ? { op: 'move', from: '/b', path: '/a' } : { op: 'move', from: '/a', path: '/b' }));
    assert.deepEqual(applyJsonPatch({ a: { deep: [1, 2, 3] } }, ops), { a: { deep: [1, 2, 3] } });
  });

  it('applies the same parsed patch twice alike (a retried update applies it again)', () => {
    const patch = [{ op: 'add', path: '/list', value: [] }, { op: 'add', path: '/list/-', value: 1 }];
    assert.deepEqual(applyJsonPatch({}, patch), { list: [1] });
    assert.deepEqual(applyJsonPatch({}, patch), { list: [1] });
  });
});

describe('applyStrategicMergePatch of long lists', () => {
  const keyed: PatchMeta = {
    field: (name) => (name === 'items' ? { strategy: 'merge', mergeKey: 'name', field: () => undefined, items: () => undefined } : name === 'set' ? { strategy: 'merge', field: () => undefined, items: () => undefined } : undefined),
    items: () => undefined,
  };

  it('merges 10,000 items by key into 10,000 items, keeping kube\'s order', () => {
    const target = { items: Array.from({ length: 10_000 }, (_, i) => ({ name: `n${i}`, v: i })) };
    const patch = { items: Array.from({ length: 10_000 }, (_, i) => ({ name: `n${(i * 2) % 20_000}`, w: i })) };
    const out = applyStrategicMergePatch(target, patch, keyed) as { items: { name: string; v?: number; w?: number }[] };
    assert.equal(out.items.length, 15_000);
    // The patched items come in the patch's order; untouched ones keep their place before the next named one.
    assert.deepEqual(out.items.slice(0, 4), [{ name: 'n0', v: 0, w: 0 }, { name: 'n1', v: 1 }, { name: 'n2', v: 2, w: 1 }, { name: 'n3', v: 3 }]);
    // Items the patch adds come before the untouched ones that follow the last item it names.
    assert.deepEqual(out.items.slice(-2), [{ name: 'n19998', w: 9999 }, { name: 'n9999', v: 9999 }]);
  });

  it('unions 10,000 primitives into a set of 10,000', () => {
    const out = applyStrategicMergePatch({ set: Array.from({ length: 10_000 }, (_, i) => i) }, { set: Array.from({ length: 10_000 }, (_, i) => i + 5_000) }, keyed) as { set: number[] };
    assert.equal(out.set.length, 15_000);
    assert.equal(new Set(out.set).size, 15_000);
  });

  it('finds items whose keys are equal objects whatever the order of their fields', () => {
    const meta: PatchMeta = { field: () => ({ strategy: 'merge', mergeKey: 'id', field: () => undefined, items: () => undefined }), items: () => undefined };
    const out = applyStrategicMergePatch({ l: [{ id: { a: 1, b: 2 }, x: 1 }] }, { l: [{ id: { b: 2, a: 1 }, y: 2 }] }, meta);
    assert.deepEqual(out, { l: [{ id: { b: 2, a: 1 }, x: 1, y: 2 }] });
  });
});

describe('applyStrategicMergePatch', () => {
  it('merges maps and deletes with null, like a merge patch', () => {
    const out = applyStrategicMergePatch(cm(), { data: { one: null, three: '3' }, metadata: { labels: { tier: 'back' } } }) as ReturnType<typeof cm>;
    assert.deepEqual(out.data, { two: '2', three: '3' });
    assert.deepEqual(out.metadata.labels, { app: 'web', tier: 'back' });
  });

  it('$patch: delete removes the map it appears in', () => {
    const out = applyStrategicMergePatch(cm(), { metadata: { labels: { $patch: 'delete' } } }) as ReturnType<typeof cm>;
    assert.equal('labels' in out.metadata, false);
    assert.deepEqual(out.data, cm().data);
  });

  it('$patch: replace replaces the map instead of merging, without the directive', () => {
    const out = applyStrategicMergePatch(cm(), { data: { $patch: 'replace', only: 'this' } }) as ReturnType<typeof cm>;
    assert.deepEqual(out.data, { only: 'this' });
  });

  it('$patch: replace drops nested directives from the replacement', () => {
    const out = applyStrategicMergePatch({ spec: { a: 1 } }, { spec: { $patch: 'replace', b: { c: 1, $retainKeys: ['c'] } } });
    assert.deepEqual(out, { spec: { b: { c: 1 } } });
  });

  it('$retainKeys clears the keys it does not list', () => {
    const target = { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } };
    const out = applyStrategicMergePatch(target, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } });
    assert.deepEqual(out, { spec: { strategy: { type: 'Recreate' } } });
  });

  it('$deleteFromPrimitiveList/<field> removes the listed values', () => {
    const out = applyStrategicMergePatch(cm(), { metadata: { '$deleteFromPrimitiveList/finalizers': ['b', 'nope'] } }) as ReturnType<typeof cm>;
    assert.deepEqual(out.metadata.finalizers, ['a', 'c']);
    assert.equal('$deleteFromPrimitiveList/finalizers' in out.metadata, false);
  });

  it('ignores other directives such as $setElementOrder', () => {
    const out = applyStrategicMergePatch(cm(), { metadata: { '$setElementOrder/finalizers': ['c', 'b', 'a'], labels: { x: 'y' } } }) as Record<string, Record<string, unknown>>;
    assert.equal('$setElementOrder/finalizers' in out.metadata, false);
    assert.deepEqual(out.metadata.finalizers, ['a', 'b', 'c']);
    assert.deepEqual(out.metadata.labels, { app: 'web', tier: 'front', x: 'y' });
  });

  it('replaces lists without a merge key whole', () => {
    const out = applyStrategicMergePatch(cm(), { metadata: { finalizers: ['z'] } }) as ReturnType<typeof cm>;
    assert.deepEqual(out.metadata.finalizers, ['z']);
  });

  it('does not mutate the target', () => {
    const target = cm();
    applyStrategicMergePatch(target, { data: { one: null }, metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } });
    assert.deepEqual(target, cm());
  });
});

describe('applyPatch', () => {
  it('dispatches on the content type', () => {
    assert.deepEqual(applyPatch(PatchType.merge, { a: 1 }, { b: 2 }), { a: 1, b: 2 });
    assert.deepEqual(applyPatch(PatchType.json, { a: 1 }, [{ op: 'remove', path: '/a' }]), {});
    assert.deepEqual(applyPatch(PatchType.strategic, { a: { b: 1 } }, { a: { $patch: 'delete' } }), {});
  });

  it('names the media types kube uses', () => {
    assert.equal(PatchType.json, 'application/json-patch+json');
    assert.equal(PatchType.merge, 'application/merge-patch+json');
    assert.equal(PatchType.strategic, 'application/strategic-merge-patch+json');
    assert.equal(PatchType.apply, 'application/apply-patch+yaml');
  });

  it('refuses a patch type it does not apply with 400', () => {
    assert.throws(() => applyPatch('text/plain', {}, {}), (err: unknown) => isBadRequest(err) && /text\/plain/.test((err as Error).message));
    assert.throws(() => applyPatch(PatchType.apply, {}, {}), isBadRequest);
  });
});
