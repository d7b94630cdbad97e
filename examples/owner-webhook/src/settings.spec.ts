import assert from 'node:assert/strict';
import { test } from 'node:test';
import { settingsFromEnv } from './settings.js';

test('defaults: 0.0.0.0:8443, the mounted TLS files, owner, 100m and 128Mi', () => {
  assert.deepEqual(settingsFromEnv({}), {
    host: '0.0.0.0',
    port: 8443,
    certFile: '/etc/webhook/tls/tls.crt',
    keyFile: '/etc/webhook/tls/tls.key',
    ownerLabel: 'owner',
    requests: { cpu: '100m', memory: '128Mi' },
  });
  assert.deepEqual(settingsFromEnv({ WEBHOOK_LISTEN: '[::1]:9443', DEFAULT_CPU_REQUEST: '0.5', DEFAULT_MEMORY_REQUEST: '1e9' }), {
    ...settingsFromEnv({}),
    host: '::1',
    port: 9443,
    requests: { cpu: '0.5', memory: '1e9' },
  });
});

test('a wrong setting stops the start in one line naming it', () => {
  assert.throws(() => settingsFromEnv({ WEBHOOK_LISTEN: '8443' }), /^Error: WEBHOOK_LISTEN=8443 is invalid: expected host:port$/);
  assert.throws(() => settingsFromEnv({ DEFAULT_CPU_REQUEST: '100 millicores' }), /^Error: DEFAULT_CPU_REQUEST=100 millicores is invalid: expected a quantity such as 100m$/);
  assert.throws(() => settingsFromEnv({ OWNER_LABEL: 'a/b/c' }), /^Error: OWNER_LABEL=a\/b\/c is invalid: expected a label key$/);
});
