import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kubernetesEnvironment } from './kubernetes.js';
import { schemaType } from './schema-types.js';
import { formatType } from './types.js';

const schema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        replicas: { type: 'integer' },
        name: { type: 'string', maxLength: 63 },
        tags: { type: 'array', maxItems: 10, items: { type: 'string', maxLength: 20 } },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        port: { 'x-kubernetes-int-or-string': true },
        when: { type: 'string', format: 'date-time' },
      },
    },
  },
};

describe('schema types', () => {
  const self = schemaType(schema, 'Widget', { resourceRoot: true });
  const env = kubernetesEnvironment({ variables: { self } });

  it('types fields, maps, lists, int-or-string and formats as Kubernetes does', () => {
    const type = (e: string) => formatType(env.compile(e).program!.type);
    assert.equal(type('self.spec.replicas'), 'int');
    assert.equal(type('self.spec.labels'), 'map(string, string)');
    assert.equal(type('self.spec.tags'), 'list(string)');
    assert.equal(type('self.spec.port'), 'dyn');
    assert.equal(type('self.spec.when'), 'google.protobuf.Timestamp');
    assert.equal(type('self.metadata.name'), 'string');
    assert.match(String(env.compile('self.spec.nope').issues), /undefined field 'nope'/);
  });

  it('bounds estimates by maxItems and maxLength', () => {
    // Ten tags of at most 20 characters: each contains() costs at most ceil(2) * ceil(0.3).
    const bounded = env.compile("self.spec.tags.all(t, t.contains('abc'))").program!.estimateCost();
    const unbounded = env.compile("self.spec.labels.all(k, self.spec.labels[k].contains('abc'))").program!.estimateCost();
    assert.ok(bounded.max < 200, JSON.stringify(bounded));
    assert.ok(unbounded.max > 1_000_000, JSON.stringify(unbounded));
  });
});
