import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { answerWith, exchange } from '@kapi/apiserver';
import { apiServiceProxy } from './apiservice-proxy.js';

describe('apiServiceProxy', () => {
  it('passes every request on while no APIService is proxied', async () => {
    for (const path of ['/apis/apps/v1/deployments', '/apis/wardle.example.com/v1alpha1/flunders', '/apis']) {
      assert.equal((await exchange([apiServiceProxy, answerWith('next', 299)], { path })).status, 299, path);
    }
  });
});
