import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyStrategicMergePatch } from '@kapi/api-machinery';
import { builtinSchemas, SchemaCatalogue, typeName } from './catalogue.js';
import { patchMetaOf } from './patch-meta.js';
import { Entries, parseJsonEntries } from './json-entries.js';
import { firstTypeError } from './type-check.js';
import { fieldProblems, unknownFields, unknownPatchFields } from './unknown-fields.js';

const catalogue = builtinSchemas();
const podTemplate = { group: '', version: 'v1', kind: 'PodTemplate' };

describe('SchemaCatalogue', () => {
  it('names definitions as kube-apiserver does and tags kinds with their group/version/kind', () => {
    assert.equal(catalogue.definitionName(podTemplate), 'io.k8s.api.core.v1.PodTemplate');
    assert.equal(catalogue.definitionName({ group: 'apps', version: 'v1', kind: 'Deployment' }), 'io.k8s.api.apps.v1.Deployment');
    assert.equal(catalogue.definitionName({ group: 'events.k8s.io', version: 'v1', kind: 'Event' }), 'io.k8s.api.events.v1.Event');
    assert.equal(catalogue.definitionName({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role' }), 'io.k8s.api.rbac.v1.Role');
    assert.deepEqual(catalogue.schemaOf(podTemplate)?.['x-kubernetes-group-version-kind'], [podTemplate]);
    assert.equal(catalogue.definitionName({ group: 'example.com', version: 'v1', kind: 'Nope' }), undefined);
  });

  it('carries types, required fields, descriptions and list metadata', () => {
    const container = catalogue.definition('io.k8s.api.core.v1.Container')!;
    assert.deepEqual(container.required, ['name']);
    assert.match(String(container.properties?.image.description), /Container image name/);
    assert.equal(container.properties?.ports.items?.$ref, 'io.k8s.api.core.v1.ContainerPort');
    const containers = catalogue.definition('io.k8s.api.core.v1.PodSpec')!.properties!.containers;
    assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
    assert.deepEqual(containers['x-kubernetes-list-map-keys'], ['name']);
    assert.equal(catalogue.definition('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta')!.properties!.creationTimestamp.format, 'date-time');
  });

  it('looks up schemas and known fields at a path', () => {
    assert.equal(catalogue.schemaAt(podTemplate, 'template.spec.containers')?.type, 'array');
    assert.equal(catalogue.schemaAt(podTemplate, 'template.spec.containers[0].image')?.type, 'string');
    assert.equal(catalogue.schemaAt(podTemplate, 'metadata.labels.app')?.type, 'string');
    assert.equal(catalogue.schemaAt(podTemplate, 'template.nope'), undefined);
    assert.ok(catalogue.knownFields(podTemplate, 'template.spec.containers')?.includes('volumeMounts'));
    assert.deepEqual(catalogue.knownFields(podTemplate, '')?.sort(), ['apiVersion', 'kind', 'metadata', 'template']);
    // Any field goes in a map (labels) and where the schema does not reach.
    assert.equal(catalogue.knownFields(podTemplate, 'metadata.labels'), undefined);
    assert.equal(catalogue.knownFields(podTemplate, 'template.nope'), undefined);
    assert.deepEqual(catalogue.listFactsAt(podTemplate, 'template.spec.containers[0].ports'), { mergeKey: 'containerPort', strategy: 'merge', listType: 'map', mapKeys: ['containerPort', 'protocol'] });
    assert.equal(catalogue.listFactsAt({ group: 'apps', version: 'v1', kind: 'Deployment' }, 'spec.strategy').strategy, 'retainKeys');
  });

  it('reaches every definition a kind refers to', () => {
    const closure = catalogue.closure([catalogue.definitionName(podTemplate)!]);
    assert.ok(closure.has('io.k8s.api.core.v1.PodSpec'));
    assert.ok(closure.has('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'));
    assert.ok(closure.has('io.k8s.apimachinery.pkg.util.intstr.IntOrString'));
  });

  it('serves a registered kind like a built-in one', () => {
    const own = new SchemaCatalogue();
    const gvk = { group: 'example.com', version: 'v1', kind: 'Widget' };
    own.registerKind(gvk, 'com.example.v1.Widget', { type: 'object', properties: { spec: { $ref: 'com.example.v1.WidgetSpec' } } }, {
      'com.example.v1.WidgetSpec': { type: 'object', properties: { size: { type: 'integer' } } },
    });
    assert.equal(own.definitionName(gvk), 'com.example.v1.Widget');
    assert.deepEqual(unknownFields(own, own.schemaOf(gvk)!, { spec: { size: 1, colour: 'red' } }), ['spec.colour']);
  });

  it('strips version prefixes from model names', () => {
    assert.equal(typeName('V1PodSpec'), 'PodSpec');
    assert.equal(typeName('V1beta1DeviceClass'), 'DeviceClass');
    assert.equal(typeName('CoreV1Event'), 'Event');
  });
});

describe('unknownFields', () => {
  it('finds unknown fields by path in document order and prunes them when asked', () => {
    const obj = { apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'x', foo: 1, labels: { a: 'b' } }, template: { spec: { containers: [{ name: 'a', bar: 2, resources: { limits: { cpu: '1' } } }], zz: 1 } } };
    const schema = catalogue.schemaOf(podTemplate)!;
    assert.deepEqual(unknownFields(catalogue, schema, structuredClone(obj)), ['metadata.foo', 'template.spec.containers[0].bar', 'template.spec.zz']);
    unknownFields(catalogue, schema, obj, true);
    assert.deepEqual(obj, { apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'x', labels: { a: 'b' } }, template: { spec: { containers: [{ name: 'a', resources: { limits: { cpu: '1' } } }] } } });
  });

  it('leaves open content alone (managedFields, raw extensions)', () => {
    const obj = { metadata: { managedFields: [{ manager: 'm', fieldsV1: { 'f:data': { 'f:x': {} } } }] } };
    assert.deepEqual(unknownFields(catalogue, catalogue.schemaOf({ group: '', version: 'v1', kind: 'ConfigMap' })!, obj), []);
  });

  it('checks patches: merge-shaped ones skip directives, JSON patches by path and value', () => {
    const schema = catalogue.schemaOf(podTemplate)!;
    assert.deepEqual(unknownPatchFields(catalogue, schema, 'application/strategic-merge-patch+json', { template: { spec: { $retainKeys: [], foo: 1 } } }), ['template.spec.foo']);
    assert.deepEqual(
      unknownPatchFields(catalogue, schema, 'application/json-patch+json', [
        { op: 'add', path: '/template/spec/nope', value: 1 },
        { op: 'add', path: '/template/spec/containers/0', value: { name: 'b', extra: true } },
        { op: 'add', path: '/metadata/labels/x', value: 'y' },
      ]),
      ['template.spec.nope', 'template.spec.containers[0].extra'],
    );
  });
});

describe('firstTypeError', () => {
  const error = (obj: unknown) => firstTypeError(catalogue, podTemplate, obj);

  it('names the innermost struct, the path without indices and the Go type', () => {
    assert.equal(
      error({ template: { spec: { containers: [{ name: 'a', env: [{ name: 'X', value: 8080 }] }] } } }),
      'json: cannot unmarshal number into Go struct field EnvVar.template.spec.containers.env.value of type string',
    );
    assert.equal(error({ metadata: 'x' }), 'json: cannot unmarshal string into Go struct field PodTemplate.metadata of type v1.ObjectMeta');
    assert.equal(error({ template: { spec: { containers: {} } } }), 'json: cannot unmarshal object into Go struct field PodSpec.template.spec.containers of type []v1.Container');
    assert.equal(
      error({ template: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 1.5 }] }] } } }),
      'json: cannot unmarshal number 1.5 into Go struct field ContainerPort.template.spec.containers.ports.containerPort of type int32',
    );
    assert.equal(firstTypeError(catalogue, { group: '', version: 'v1', kind: 'Secret' }, { data: { a: true } }), 'json: cannot unmarshal bool into Go struct field Secret.data of type []uint8');
  });

  it('accepts numbers for quantities and leaves times, int-or-strings and raw fields to themselves', () => {
    assert.equal(error({ metadata: { creationTimestamp: 5, managedFields: [{ fieldsV1: { 'f:a': 1 } }] }, template: { spec: { containers: [{ name: 'a', resources: { limits: { cpu: 1, memory: '1Gi' } } }] } } }), undefined);
    assert.equal(error({ template: { spec: { containers: [{ name: 'a', livenessProbe: { httpGet: { port: 'http' } } }] } } }), undefined);
  });
});

describe('duplicate fields', () => {
  it('parses JSON keeping repeated keys', () => {
    const parsed = parseJsonEntries(' {"a": 1, "a": [true, null, -1.5e2, "x\\"y"], "b": {}} ') as Entries;
    assert.deepEqual(parsed.pairs.map(([k]) => k), ['a', 'a', 'b']);
    assert.deepEqual(parsed.pairs[1][1], [true, null, -150, 'x"y']);
    assert.deepEqual((parsed.pairs[2][1] as Entries).pairs, []);
  });

  it('reports unknown and duplicate fields in document order, an unknown one once', () => {
    const json = '{"apiVersion":"v1","kind":"PodTemplate","metadata":{"name":"a","name":"b"},"template":{"spec":{"nope":1,"nope":2,"containers":[{"name":"c","image":"x","image":"y","odd":true}]}}}';
    assert.deepEqual(fieldProblems(catalogue, catalogue.schemaOf(podTemplate)!, json), [
      'duplicate field "metadata.name"',
      'unknown field "template.spec.nope"',
      'duplicate field "template.spec.containers[0].image"',
      'unknown field "template.spec.containers[0].odd"',
    ]);
  });
});

describe('strategic merge patch with the catalogue', () => {
  const meta = patchMetaOf(catalogue, catalogue.schemaOf(podTemplate));
  const target = {
    metadata: { name: 'x', finalizers: ['a'] },
    template: { spec: { containers: [{ name: 'a', image: 'one', env: [{ name: 'X', value: '1' }] }, { name: 'b', image: 'two' }] } },
  };

  it('merges containers by name and env by name; the items the patch names come first, in its order, as in kube', () => {
    const out = applyStrategicMergePatch(target, { template: { spec: { containers: [{ name: 'a', env: [{ name: 'Y', value: '2' }] }, { name: 'c', image: 'three' }] } } }, meta) as typeof target;
    assert.deepEqual(out.template.spec.containers, [
      { name: 'a', image: 'one', env: [{ name: 'Y', value: '2' }, { name: 'X', value: '1' }] },
      { name: 'c', image: 'three' },
      { name: 'b', image: 'two' },
    ]);
    // An untouched item keeps its place before a named one that followed it.
    const later = applyStrategicMergePatch(target, { template: { spec: { containers: [{ name: 'b', image: 'new' }] } } }, meta) as typeof target;
    assert.deepEqual(later.template.spec.containers.map((c) => c.name), ['a', 'b']);
  });

  it('deletes an item with $patch: delete, orders with $setElementOrder, unions primitive sets', () => {
    const out = applyStrategicMergePatch(
      target,
      { metadata: { finalizers: ['b'] }, template: { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }], containers: [{ name: 'a', $patch: 'delete' }, { name: 'b', image: 'new' }] } } },
      meta,
    ) as typeof target;
    assert.deepEqual(out.template.spec.containers, [{ name: 'b', image: 'new' }]);
    assert.deepEqual(out.metadata.finalizers, ['b', 'a']);
    const ordered = applyStrategicMergePatch(target, { template: { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }] } } }, meta) as typeof target;
    assert.deepEqual(ordered.template.spec.containers.map((c) => c.name), ['b', 'a']);
  });

  it('replaces a merged list with $patch: replace', () => {
    const out = applyStrategicMergePatch(target, { template: { spec: { containers: [{ $patch: 'replace' }, { name: 'z', image: 'z' }] } } }, meta) as typeof target;
    assert.deepEqual(out.template.spec.containers, [{ name: 'z', image: 'z' }]);
  });
});
