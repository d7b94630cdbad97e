import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { yamlDuplicateKeys } from './yaml-duplicate-keys.js';

describe('repeated YAML keys', () => {
  it('names each repeat with the line it is on, as goyaml does', () => {
    assert.deepEqual(yamlDuplicateKeys('a: 1\nb:\n  size: 1\n  size: 2\n  size: 3\n'), ['line 4: key "size" already set in map', 'line 5: key "size" already set in map']);
    assert.deepEqual(yamlDuplicateKeys('- a: 1\n  a: 2\n'), ['line 2: key "a" already set in map']);
  });

  it('reads quoted, flow and non-string keys', () => {
    assert.deepEqual(yamlDuplicateKeys('x:\n  "q: k": 1\n  \'q: k\': 2\n'), ['line 3: key "q: k" already set in map']);
    assert.deepEqual(yamlDuplicateKeys('x: {a: 1, a: 2}\n'), ['line 1: key "a" already set in map']);
    assert.deepEqual(yamlDuplicateKeys('1: a\n1: b\n'), ['line 2: key 1 already set in map']);
  });

  it('finds none in a document without repeats, or in one that is no YAML', () => {
    assert.deepEqual(yamlDuplicateKeys('a: 1\nb: {c: 2}\n'), []);
    assert.deepEqual(yamlDuplicateKeys('a: [\n'), []);
  });
});
