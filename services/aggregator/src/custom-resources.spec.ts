import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { answerWith, exchange } from '@kapi/apiserver';
import { customResources } from './custom-resources.js';

describe('customResources', () => {
  it('passes every request on until custom resources are served', async () => {
    for (const path of ['/apis/example.com/v1/namespaces/a/widgets', '/apis/example.com/v1', '/apis/example.com']) {
      assert.equal((await exchange([customResources, answerWith('next', 299)], { path })).status, 299, path);
    }
  });
});
