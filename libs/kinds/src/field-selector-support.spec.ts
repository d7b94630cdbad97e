import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseFieldSelector, StatusError } from '@kapi/api-machinery';
import { configMapStrategy } from './configmap/strategy.js';
import { checkFieldSelector } from './strategy.js';

describe('checkFieldSelector', () => {
  it('accepts the fields a kind supports', () => {
    checkFieldSelector(configMapStrategy, parseFieldSelector('metadata.name=a,metadata.namespace!=b'));
  });

  it('refuses another field with 400 in kube-apiserver words', () => {
    assert.throws(
      () => checkFieldSelector(configMapStrategy, parseFieldSelector('spec.nodeName=n1')),
      (err: unknown) => err instanceof StatusError && err.httpCode === 400 && err.message === 'field label not supported: spec.nodeName',
    );
  });
});
