import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mergeOpenApiV2 } from './openapi-v2-merge.js';

const ref = (name: string) => ({ $ref: `#/definitions/${name}` });
const META = { type: 'object', properties: { name: { type: 'string' } } };
const base = {
  swagger: '2.0',
  info: { title: 'Kubernetes', version: 'v1.34.2' },
  paths: { '/api/v1/pods': { get: { responses: { 200: { schema: ref('v1.PodList') } } } }, '/apis/': { get: {} } },
  definitions: { 'v1.PodList': { type: 'object' }, 'meta.ObjectMeta': META, 'meta.Status': { type: 'object', description: 'ours' } },
};

describe('mergeOpenApiV2', () => {
  it('adds an aggregated server\'s /apis/ paths it lacks, with the definitions they use, and keeps its own', () => {
    const wardle = {
      swagger: '2.0',
      paths: {
        '/apis/': { get: { description: 'theirs' } },
        '/apis/wardle.example.com/v1alpha1/namespaces/{namespace}/flunders': { get: { responses: { 200: { schema: ref('wardle.FlunderList') } } } },
        '/version/': { get: {} },
      },
      definitions: {
        'wardle.FlunderList': { type: 'object', properties: { items: { type: 'array', items: ref('wardle.Flunder') } } },
        'wardle.Flunder': { type: 'object', properties: { metadata: ref('meta.ObjectMeta') } },
        'meta.ObjectMeta': { properties: { name: { type: 'string' } }, type: 'object' },
        'wardle.Unused': { type: 'object' },
      },
    };
    const merged = mergeOpenApiV2(base, [wardle]);
    assert.deepEqual(Object.keys(merged.paths!), ['/api/v1/pods', '/apis/', '/apis/wardle.example.com/v1alpha1/namespaces/{namespace}/flunders']);
    assert.deepEqual(merged.paths!['/apis/'], { get: {} }, 'the first document to serve a path keeps it');
    assert.deepEqual(Object.keys(merged.definitions!), ['meta.ObjectMeta', 'meta.Status', 'v1.PodList', 'wardle.Flunder', 'wardle.FlunderList']);
    assert.equal(merged.definitions!['meta.ObjectMeta'], META, 'the same schema is shared');
    assert.deepEqual([merged.swagger, merged.info], ['2.0', base.info]);
    assert.deepEqual(Object.keys(base.paths), ['/api/v1/pods', '/apis/'], 'the inputs are not changed');
  });

  it('renames a definition that differs, <name>_v2 then _v3, with every reference to it', () => {
    const server = (description: string, group: string) => ({
      paths: { [`/apis/${group}/v1/things`]: { get: { responses: { 200: { schema: ref('meta.Status') } } } } },
      definitions: { 'meta.Status': { type: 'object', description }, [`${group}.Holder`]: { properties: { status: ref('meta.Status') } } },
    });
    const first = server('theirs', 'a.example.com');
    first.paths['/apis/a.example.com/v1/things'].get = { responses: { 200: { schema: ref('a.example.com.Holder') } } } as never;
    const merged = mergeOpenApiV2(base, [first, server('another', 'b.example.com')]);
    assert.deepEqual(merged.definitions!['meta.Status'], { type: 'object', description: 'ours' });
    assert.deepEqual(merged.definitions!['meta.Status_v2'], { type: 'object', description: 'theirs' });
    assert.deepEqual(merged.definitions!['a.example.com.Holder'], { properties: { status: ref('meta.Status_v2') } });
    assert.deepEqual(merged.definitions!['meta.Status_v3'], { type: 'object', description: 'another' });
    assert.deepEqual(merged.paths!['/apis/b.example.com/v1/things'], { get: { responses: { 200: { schema: ref('meta.Status_v3') } } } });
  });

  it('takes nothing from a document whose paths are all there already', () => {
    const merged = mergeOpenApiV2(base, [{ paths: { '/apis/': {} }, definitions: { other: {} } }, {}]);
    assert.deepEqual(merged.definitions, base.definitions);
  });
});
