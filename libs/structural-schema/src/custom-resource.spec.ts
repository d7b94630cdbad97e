import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CustomResourceSchema } from './custom-resource.js';
import { renderError } from './field-errors.js';

const widgets = new CustomResourceSchema({
  kind: { group: 'example.com', version: 'v1', kind: 'Widget', namespaced: true },
  schema: {
    type: 'object',
    properties: {
      spec: { type: 'object', properties: { replicas: { type: 'integer', default: 1 }, mode: { type: 'string', enum: ['a', 'b'] } } },
      status: { type: 'object', properties: { replicas: { type: 'integer', minimum: 0 } } },
    },
  },
  scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' },
});

const widget = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'ns' }, spec, ...extra });

describe('a served custom resource version', () => {
  it('decodes as kube does: unknown fields pruned and reported, metadata as ObjectMeta', () => {
    const obj = widget({ replicas: 2, bogus: 1 }, { metadata: { name: 'w', namespace: 'ns', unknown: true } });
    assert.deepEqual(widgets.decode(obj), { unknownFieldPaths: ['metadata.unknown', 'spec.bogus'] });
    assert.deepEqual(obj.metadata, { name: 'w', namespace: 'ns', creationTimestamp: null });
    assert.deepEqual(widgets.decode({ ...widget({}), metadata: { name: 1 } }), { unknownFieldPaths: [], error: 'json: cannot unmarshal number into Go struct field ObjectMeta.name of type string' });
  });

  it("validates in kube's order and wraps the errors as kube's 422", () => {
    const obj = widget({ mode: 'c' });
    widgets.applyDefaults(obj);
    assert.deepEqual(obj.spec, { replicas: 1, mode: 'c' });
    const errors = widgets.validate(obj);
    assert.deepEqual(errors.map(renderError), ['spec.mode: Unsupported value: "c": supported values: "a", "b"']);
    const status = widgets.invalid(obj, errors).toStatus();
    assert.equal(status.code, 422);
    assert.equal(status.message, 'Widget.example.com "w" is invalid: spec.mode: Unsupported value: "c": supported values: "a", "b"');
    assert.deepEqual(status.details?.causes, [{ reason: 'FieldValueNotSupported', message: 'Unsupported value: "c": supported values: "a", "b"', field: 'spec.mode' }]);
  });

  it('checks the scale paths', () => {
    assert.deepEqual(widgets.validate(widget({ replicas: -1 })).map(renderError), ['.spec.replicas: Invalid value: -1: should be a non-negative integer']);
  });

  it('validates a status update by the status schema, under status', () => {
    const old = widget({ replicas: 1 }, { metadata: { name: 'w', namespace: 'ns', resourceVersion: '1' } });
    const next = { ...old, status: { replicas: -1 } };
    assert.deepEqual(widgets.validateStatusUpdate(next, old).errors.map(renderError), [
      // kube validates the status with its own schema, so the message names the path from there.
      'status.replicas: Invalid value: -1: replicas in body should be greater than or equal to 0',
      '.status.replicas: Invalid value: -1: should be a non-negative integer',
    ]);
  });

  it('warns of finalizers that are not domain-qualified', () => {
    assert.deepEqual(widgets.warnings(widget({}, { metadata: { name: 'w', finalizers: ['example.com/x', 'mine'] } })), [
      'metadata.finalizers: "mine": prefer a domain-qualified finalizer name to avoid accidental conflicts with other finalizer writers',
    ]);
  });
});
