import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  FEATURE_GATES,
  loadFeatureGates,
  loadRuntimeConfig,
  ConfigError,
  DEFAULT_SHUTDOWN_DELAY_MS,
  FRONT_DOOR_HEALTH_CHECK,
  formatHostPort,
  loadAuthWebhookConfig,
  loadEtcdTls,
  loadServiceConfig,
  loadServiceTls,
  loadShutdownConfig,
  parseHostPort,
} from './index.js';

describe('loadAuthWebhookConfig', () => {
  it("defaults to kube's: RBAC (an empty list), no webhooks, TTLs 5m, 30s and 2m", () => {
    assert.deepEqual(loadAuthWebhookConfig({}), {
      authorizationModes: [],
      authorizationWebhookConfigFile: '',
      authorizationWebhookAuthorizedTtlMs: 300_000,
      authorizationWebhookUnauthorizedTtlMs: 30_000,
      authenticationTokenWebhookConfigFile: '',
      authenticationTokenWebhookCacheTtlMs: 120_000,
    });
  });

  it('reads the mode list and Go durations', () => {
    const c = loadAuthWebhookConfig({
      KAPI_AUTHORIZATION_MODE: 'RBAC, Webhook',
      KAPI_AUTHORIZATION_WEBHOOK_CONFIG_FILE: '/etc/authz.kubeconfig',
      KAPI_AUTHORIZATION_WEBHOOK_CACHE_AUTHORIZED_TTL: '1m30s',
      KAPI_AUTHORIZATION_WEBHOOK_CACHE_UNAUTHORIZED_TTL: '0s',
      KAPI_AUTHENTICATION_TOKEN_WEBHOOK_CONFIG_FILE: '/etc/authn.kubeconfig',
      KAPI_AUTHENTICATION_TOKEN_WEBHOOK_CACHE_TTL: '10s',
    });
    assert.deepEqual(c.authorizationModes, ['RBAC', 'Webhook']);
    assert.equal(c.authorizationWebhookAuthorizedTtlMs, 90_000);
    assert.equal(c.authorizationWebhookUnauthorizedTtlMs, 0);
    assert.equal(c.authenticationTokenWebhookCacheTtlMs, 10_000);
  });

  it('stops the start with one line naming a bad duration', () => {
    assert.throws(() => loadAuthWebhookConfig({ KAPI_AUTHENTICATION_TOKEN_WEBHOOK_CACHE_TTL: '2 minutes' }), (err: Error) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.message, 'KAPI_AUTHENTICATION_TOKEN_WEBHOOK_CACHE_TTL: time: unknown unit " minutes" in duration "2 minutes"');
      return true;
    });
    assert.throws(() => loadAuthWebhookConfig({ KAPI_AUTHORIZATION_WEBHOOK_CACHE_AUTHORIZED_TTL: '-5m' }), /must not be negative/);
  });

  it('is part of every service configuration', () => {
    const config = loadServiceConfig('authz', { KAPI_LISTEN: '127.0.0.1:50052', KAPI_AUTHORIZATION_MODE: 'AlwaysAllow', ...SERVICE_TLS });
    assert.deepEqual(config.authWebhooks.authorizationModes, ['AlwaysAllow']);
  });
});

const SERVICE_TLS = { KAPI_SERVICES_CA_FILE: '/pki/services/ca.crt', KAPI_SERVICE_CERT_FILE: '/pki/services/authz.crt', KAPI_SERVICE_KEY_FILE: '/pki/services/authz.key' };

describe('loadServiceTls', () => {
  it('reads the services CA and the service certificate and key', () => {
    assert.deepEqual(loadServiceTls(SERVICE_TLS), { caFile: '/pki/services/ca.crt', certFile: '/pki/services/authz.crt', keyFile: '/pki/services/authz.key' });
    assert.deepEqual(loadServiceConfig('authz', { KAPI_LISTEN: '127.0.0.1:50052', ...SERVICE_TLS }).serviceTls, loadServiceTls(SERVICE_TLS));
  });

  it('refuses a start without any of them in one line: no connection between services is plaintext', () => {
    for (const variable of Object.keys(SERVICE_TLS)) {
      const env = { ...SERVICE_TLS, [variable]: '' };
      assert.throws(() => loadServiceConfig('authz', { KAPI_LISTEN: '127.0.0.1:50052', ...env }), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.message, `${variable} is not set: every connection between kapi's services is mutual TLS`);
        return true;
      });
    }
  });
});

describe('loadEtcdTls', () => {
  const endpoints = ['https://etcd-0:2379', 'https://etcd-1:2379'];

  it('reads the CA, client certificate and key, all optional', () => {
    assert.deepEqual(loadEtcdTls({}, ['http://127.0.0.1:2379']), { caFile: undefined, certFile: undefined, keyFile: undefined });
    assert.deepEqual(loadEtcdTls({ KAPI_ETCD_CAFILE: '/pki/etcd/ca.crt', KAPI_ETCD_CERTFILE: '/pki/etcd/client.crt', KAPI_ETCD_KEYFILE: '/pki/etcd/client.key' }, endpoints), {
      caFile: '/pki/etcd/ca.crt',
      certFile: '/pki/etcd/client.crt',
      keyFile: '/pki/etcd/client.key',
    });
  });

  it('refuses a certificate without its key, and the other way round, in one line', () => {
    assert.throws(() => loadEtcdTls({ KAPI_ETCD_CERTFILE: '/c' }, endpoints), { name: 'ConfigError', message: 'KAPI_ETCD_CERTFILE and KAPI_ETCD_KEYFILE go together: KAPI_ETCD_KEYFILE is not set' });
    assert.throws(() => loadEtcdTls({ KAPI_ETCD_KEYFILE: '/k' }, endpoints), { name: 'ConfigError', message: 'KAPI_ETCD_CERTFILE and KAPI_ETCD_KEYFILE go together: KAPI_ETCD_CERTFILE is not set' });
  });

  it('refuses TLS settings for an endpoint without TLS', () => {
    assert.throws(() => loadEtcdTls({ KAPI_ETCD_CAFILE: '/ca' }, ['https://etcd-0:2379', 'http://etcd-1:2379']), {
      name: 'ConfigError',
      message: 'KAPI_ETCD_CAFILE is set but KAPI_ETCD_ENDPOINTS has an endpoint without TLS (http://etcd-1:2379): use https:// endpoints',
    });
  });
});

describe('formatHostPort', () => {
  it('writes an IPv6 host in brackets, so that parseHostPort reads it back', () => {
    assert.equal(formatHostPort({ host: '127.0.0.1', port: 50051 }), '127.0.0.1:50051');
    assert.equal(formatHostPort({ host: '::', port: 50051 }), '[::]:50051');
    assert.deepEqual(parseHostPort(formatHostPort({ host: '::1', port: 6443 }), 'KAPI_LISTEN'), { host: '::1', port: 6443 });
  });
});

describe('loadShutdownConfig', () => {
  it("defaults the delay to what the local load balancer needs to notice a failing /readyz, the rest to kube's", () => {
    assert.deepEqual(loadShutdownConfig({}), { delayMs: 3000, sendRetryAfter: false, watchTerminationGracePeriodMs: 0 });
    assert.equal(DEFAULT_SHUTDOWN_DELAY_MS, FRONT_DOOR_HEALTH_CHECK.intervalMs * (FRONT_DOOR_HEALTH_CHECK.fall + 1));
  });

  it("reads kube's flags as KAPI_SHUTDOWN_* variables and refuses bad values in one line", () => {
    assert.deepEqual(
      loadShutdownConfig({ KAPI_SHUTDOWN_DELAY_DURATION: '10s', KAPI_SHUTDOWN_SEND_RETRY_AFTER: 'true', KAPI_SHUTDOWN_WATCH_TERMINATION_GRACE_PERIOD: '1m' }),
      { delayMs: 10_000, sendRetryAfter: true, watchTerminationGracePeriodMs: 60_000 },
    );
    assert.throws(() => loadShutdownConfig({ KAPI_SHUTDOWN_SEND_RETRY_AFTER: 'yes' }), /^ConfigError: KAPI_SHUTDOWN_SEND_RETRY_AFTER="yes" is not true or false$/);
    assert.throws(() => loadShutdownConfig({ KAPI_SHUTDOWN_DELAY_DURATION: '-1s' }), /KAPI_SHUTDOWN_DELAY_DURATION="-1s" must not be negative/);
  });
});

describe('in-flight limits', () => {
  const base = { KAPI_LISTEN: '127.0.0.1:6443', ...SERVICE_TLS };

  it("defaults to kube-apiserver's 400 read-only and 200 mutating requests", () => {
    const c = loadServiceConfig('aggregator', base);
    assert.equal(c.maxRequestsInflight, 400);
    assert.equal(c.maxMutatingRequestsInflight, 200);
  });

  it('reads KAPI_MAX_REQUESTS_INFLIGHT and KAPI_MAX_MUTATING_REQUESTS_INFLIGHT, 0 meaning no limit', () => {
    const c = loadServiceConfig('aggregator', { ...base, KAPI_MAX_REQUESTS_INFLIGHT: '0', KAPI_MAX_MUTATING_REQUESTS_INFLIGHT: ' 3 ' });
    assert.equal(c.maxRequestsInflight, 0);
    assert.equal(c.maxMutatingRequestsInflight, 3);
  });

  it('stops the start with one line naming a value that is not a count', () => {
    assert.throws(
      () => loadServiceConfig('aggregator', { ...base, KAPI_MAX_REQUESTS_INFLIGHT: '-1' }),
      (err: unknown) => err instanceof ConfigError && err.message === 'KAPI_MAX_REQUESTS_INFLIGHT="-1" is not a whole number of 0 or more',
    );
  });
});

describe('KAPI_RUNTIME_CONFIG and KAPI_FEATURE_GATES', () => {
  it('reads switched APIs as kube reads --runtime-config: a bare key is true', () => {
    assert.deepEqual(loadRuntimeConfig({}), {});
    assert.deepEqual(loadRuntimeConfig({ KAPI_RUNTIME_CONFIG: 'admissionregistration.k8s.io/v1beta1, admissionregistration.k8s.io/v1beta1/mutatingadmissionpolicybindings=false' }), {
      'admissionregistration.k8s.io/v1beta1': true,
      'admissionregistration.k8s.io/v1beta1/mutatingadmissionpolicybindings': false,
    });
    assert.throws(() => loadRuntimeConfig({ KAPI_RUNTIME_CONFIG: 'a/v1=maybe' }), /KAPI_RUNTIME_CONFIG: invalid value of a\/v1: maybe/);
  });

  it('reads the feature gates kapi knows, off by default as in kube 1.34, and stops at one it does not', () => {
    assert.deepEqual(loadFeatureGates({}), FEATURE_GATES);
    assert.deepEqual(loadFeatureGates({ KAPI_FEATURE_GATES: 'MutatingAdmissionPolicy=true' }), { MutatingAdmissionPolicy: true });
    assert.throws(() => loadFeatureGates({ KAPI_FEATURE_GATES: 'Bogus=true' }), /^ConfigError: KAPI_FEATURE_GATES: unrecognized feature gate: Bogus \(kapi knows MutatingAdmissionPolicy\)$/);
    assert.throws(() => loadFeatureGates({ KAPI_FEATURE_GATES: 'MutatingAdmissionPolicy' }), /missing bool value for MutatingAdmissionPolicy/);
  });
});
