import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builtinSchemas } from '@kapi/schema';
import { fallbackStructure, schemaStructure } from './structure.js';

const pod = { group: '', version: 'v1', kind: 'Pod' };
const deployment = { group: 'apps', version: 'v1', kind: 'Deployment' };
const service = { group: '', version: 'v1', kind: 'Service' };

describe('schemaStructure', () => {
  const structure = schemaStructure(builtinSchemas());

  it('merges the lists the schema keys by their keys, through list items and templates', () => {
    assert.deepEqual(structure.listTypeAt(pod, ['spec', 'containers']), { type: 'map', keys: ['name'] });
    assert.deepEqual(structure.listTypeAt(pod, ['spec', 'containers', 'ports']), { type: 'map', keys: ['containerPort', 'protocol'], defaults: { protocol: 'TCP' } });
    assert.deepEqual(structure.listTypeAt(deployment, ['spec', 'template', 'spec', 'containers', 'env']), { type: 'map', keys: ['name'] });
    assert.deepEqual(structure.listTypeAt(service, ['spec', 'ports']), { type: 'map', keys: ['port', 'protocol'], defaults: { protocol: 'TCP' } });
    assert.deepEqual(structure.listTypeAt(pod, ['metadata', 'finalizers']), { type: 'set' });
  });

  it('keeps the lists the schema calls atomic atomic, and takes map types from the table', () => {
    assert.deepEqual(structure.listTypeAt(pod, ['spec', 'tolerations']), { type: 'atomic' });
    assert.equal(structure.mapTypeAt(pod, ['metadata', 'labels']), 'granular');
    assert.equal(structure.mapTypeAt(pod, ['spec', 'nodeSelector']), 'atomic');
  });

  it('falls back to the table for kinds the catalogue does not know', () => {
    const custom = { group: 'example.com', version: 'v1', kind: 'Widget' };
    assert.deepEqual(structure.listTypeAt(custom, ['spec', 'template', 'spec', 'containers']), fallbackStructure.listTypeAt(custom, ['spec', 'template', 'spec', 'containers']));
  });
});
