import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateAnnotations, validateLabels, validateObjectMeta, validateObjectMetaUpdate, validateSubdomainName } from './metadata-validation.js';
import { isDns1123Label, isDns1123Subdomain, isLabelValue, isQualifiedName } from './names.js';
import { renderFieldError, type FieldError } from './errors.js';

const namespaced = { namespaced: true, validateName: isDns1123Subdomain };
const clusterScoped = { namespaced: false, validateName: isDns1123Label };
const rendered = (errs: FieldError[]) => errs.map(renderFieldError);

describe('validateObjectMeta: names', () => {
  it('accepts a valid namespaced object', () => {
    assert.deepEqual(validateObjectMeta({ name: 'web.config', namespace: 'ns' }, namespaced), []);
  });

  it('requires a name or a generateName', () => {
    const errs = validateObjectMeta({ namespace: 'ns' }, namespaced);
    assert.deepEqual(errs, [{ type: 'FieldValueRequired', field: 'metadata.name', detail: 'Required value: name or generateName is required' }]);
    assert.deepEqual(validateObjectMeta(undefined, clusterScoped), [
      { type: 'FieldValueRequired', field: 'metadata.name', detail: 'Required value: name or generateName is required' },
    ]);
  });

  it('checks the name with the kind\'s validator', () => {
    const errs = validateObjectMeta({ name: 'Bad_Name', namespace: 'ns' }, namespaced);
    assert.deepEqual(rendered(errs), isDns1123Subdomain('Bad_Name').map((m) => `metadata.name: Invalid value: "Bad_Name": ${m}`));
    assert.deepEqual(rendered(validateObjectMeta({ name: 'a.b' }, clusterScoped)), ['metadata.name: Invalid value: "a.b": ' + isDns1123Label('a.b')[0]]);
  });

  it('accepts a generateName prefix with a trailing dash', () => {
    assert.deepEqual(validateObjectMeta({ generateName: 'web-', namespace: 'ns' }, namespaced), []);
  });

  it('refuses a generateName prefix that cannot make a valid name', () => {
    const errs = validateObjectMeta({ generateName: 'Web_', namespace: 'ns' }, namespaced);
    assert.equal(errs.length, 1);
    assert.equal(errs[0].field, 'metadata.generateName');
    assert.equal(errs[0].type, 'FieldValueInvalid');
    assert.match(errs[0].detail, /^Invalid value: "Web_": a lowercase RFC 1123 subdomain/);
  });

  it('checks generateName even when a name is also given, as kube does', () => {
    const errs = validateObjectMeta({ name: 'web-abcde', generateName: 'Web_', namespace: 'ns' }, namespaced);
    assert.deepEqual(
      errs.map((e) => e.field),
      ['metadata.generateName'],
    );
  });
});

describe('validateObjectMeta: namespace', () => {
  it('requires a namespace on a namespaced kind', () => {
    assert.deepEqual(validateObjectMeta({ name: 'x' }, namespaced), [{ type: 'FieldValueRequired', field: 'metadata.namespace', detail: 'Required value' }]);
  });

  it('forbids a namespace on a cluster-scoped kind', () => {
    assert.deepEqual(rendered(validateObjectMeta({ name: 'x', namespace: 'ns' }, clusterScoped)), ['metadata.namespace: Forbidden: not allowed on this type']);
  });
});

describe('validateLabels', () => {
  it('accepts valid labels', () => {
    assert.deepEqual(validateLabels({ app: 'web', 'app.kubernetes.io/name': 'x', empty: '' }, 'metadata.labels'), []);
    assert.deepEqual(validateLabels(undefined, 'metadata.labels'), []);
  });

  it('reports a bad key with the key as the value, at the labels path', () => {
    assert.deepEqual(
      rendered(validateLabels({ 'bad key': 'v' }, 'metadata.labels')),
      isQualifiedName('bad key').map((m) => `metadata.labels: Invalid value: "bad key": ${m}`),
    );
  });

  it('reports a bad value with the value, at the labels path', () => {
    assert.deepEqual(
      rendered(validateLabels({ app: '-web' }, 'metadata.labels')),
      isLabelValue('-web').map((m) => `metadata.labels: Invalid value: "-web": ${m}`),
    );
  });

  it('is used for metadata.labels by validateObjectMeta', () => {
    const errs = validateObjectMeta({ name: 'x', namespace: 'ns', labels: { app: 'a'.repeat(64) } }, namespaced);
    assert.deepEqual(rendered(errs), [`metadata.labels: Invalid value: "${'a'.repeat(64)}": must be no more than 63 characters`]);
  });
});

describe('validateAnnotations', () => {
  it('accepts any value and keys that are qualified names once lower-cased', () => {
    assert.deepEqual(validateAnnotations({ 'Example.COM/Some-Key': 'anything at all: \n {}', note: '' }, 'metadata.annotations'), []);
  });

  it('reports a bad key with its original spelling', () => {
    const errs = validateAnnotations({ 'Bad Key': 'v' }, 'metadata.annotations');
    assert.deepEqual(
      rendered(errs),
      isQualifiedName('bad key').map((m) => `metadata.annotations: Invalid value: "Bad Key": ${m}`),
    );
  });

  it('limits the total size of keys and values to 256 KiB', () => {
    const ok = { a: 'x'.repeat(256 * 1024 - 1) };
    assert.deepEqual(validateAnnotations(ok, 'metadata.annotations'), []);
    const errs = validateAnnotations({ a: 'x'.repeat(256 * 1024) }, 'metadata.annotations');
    assert.equal(errs.length, 1);
    assert.equal(errs[0].type, 'FieldValueTooLong');
    assert.equal(errs[0].field, 'metadata.annotations');
    assert.match(errs[0].detail, /^Too long: .*262144 bytes$/);
    // The value is not echoed back.
    assert.ok(!errs[0].detail.includes('xxxx'));
  });
});

describe('validateObjectMeta: finalizers', () => {
  it('accepts qualified finalizer names', () => {
    assert.deepEqual(validateObjectMeta({ name: 'x', namespace: 'ns', finalizers: ['kubernetes', 'example.com/cleanup'] }, namespaced), []);
  });

  it('reports a bad finalizer at metadata.finalizers, without an index, as ValidateFinalizers does', () => {
    const errs = validateObjectMeta({ name: 'x', namespace: 'ns', finalizers: ['ok', 'bad finalizer'] }, namespaced);
    assert.deepEqual(
      rendered(errs),
      isQualifiedName('bad finalizer').map((m) => `metadata.finalizers: Invalid value: "bad finalizer": ${m}`),
    );
  });
});

describe('validateObjectMetaUpdate', () => {
  const old = { name: 'x', namespace: 'ns', uid: 'u-1', creationTimestamp: '2024-05-01T12:00:00Z', resourceVersion: '5', labels: { a: 'b' } };

  it('allows changing what may change', () => {
    assert.deepEqual(validateObjectMetaUpdate({ ...old, resourceVersion: '6', labels: { a: 'c' }, annotations: { n: 'v' } }, old), []);
  });

  it('refuses changes to name, namespace, uid and creationTimestamp', () => {
    const errs = validateObjectMetaUpdate({ ...old, name: 'y', namespace: 'other', uid: 'u-2', creationTimestamp: '2025-01-01T00:00:00Z' }, old);
    assert.deepEqual(
      errs.map((e) => [e.type, e.field]),
      [
        ['FieldValueInvalid', 'metadata.name'],
        ['FieldValueInvalid', 'metadata.namespace'],
        ['FieldValueInvalid', 'metadata.uid'],
        ['FieldValueInvalid', 'metadata.creationTimestamp'],
      ],
    );
    assert.equal(renderFieldError(errs[0]), 'metadata.name: Invalid value: "y": field is immutable');
    assert.equal(renderFieldError(errs[2]), 'metadata.uid: Invalid value: "u-2": field is immutable');
  });
});

describe('validateSubdomainName', () => {
  it('is the DNS-1123 subdomain check', () => {
    assert.deepEqual(validateSubdomainName('a.b'), []);
    assert.deepEqual(validateSubdomainName('A'), isDns1123Subdomain('A'));
  });
});
