import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addWarnings, warningHeaderValue } from './warnings.js';

describe('warningHeaderValue', () => {
  it('quotes the message with code 299 and agent "-"', () => {
    assert.equal(warningHeaderValue('v1 Endpoints is deprecated in v1.33+'), '299 - "v1 Endpoints is deprecated in v1.33+"');
  });

  it('escapes quotes and backslashes inside the message', () => {
    assert.equal(warningHeaderValue('unknown field "spec.x\\y"'), '299 - "unknown field \\"spec.x\\\\y\\""');
  });
});

describe('addWarnings', () => {
  it('adds one header per warning, after those already set', () => {
    const headers: string[] = [];
    addWarnings({ appendHeader: (_name: string, value: string | string[]) => headers.push(String(value)) }, ['a', 'b']);
    assert.deepEqual(headers, ['299 - "a"', '299 - "b"']);
  });
});
