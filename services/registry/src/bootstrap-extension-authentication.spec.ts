import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { extensionAuthenticationData } from './bootstrap-extension-authentication.js';

describe('extensionAuthenticationData', () => {
  it('holds kube\'s keys: the two CAs as PEM, the request-header settings as JSON arrays', () => {
    assert.deepEqual(extensionAuthenticationData('CLIENT CA', 'FRONT PROXY CA'), {
      'client-ca-file': 'CLIENT CA',
      'requestheader-client-ca-file': 'FRONT PROXY CA',
      'requestheader-allowed-names': '["front-proxy-client"]',
      'requestheader-username-headers': '["X-Remote-User"]',
      'requestheader-group-headers': '["X-Remote-Group"]',
      'requestheader-extra-headers-prefix': '["X-Remote-Extra-"]',
    });
  });
});
