import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { isLongRunning, MaxInFlightLimiter, writeTooManyRequests } from './max-in-flight.js';
import { parseRequestInfo } from './request-info.js';

const info = (method: string, path: string, query = '') => parseRequestInfo(method, path, new URLSearchParams(query));
const get = info('GET', '/api/v1/namespaces/default/configmaps/x');
const create = info('POST', '/api/v1/namespaces/default/configmaps');
const user = ['system:authenticated'];

describe('MaxInFlightLimiter', () => {
  it('admits up to the limit of each kind and refuses the next', () => {
    const limiter = new MaxInFlightLimiter({ readOnly: 2, mutating: 1 });
    const reads = [limiter.admit(get, user), limiter.admit(get, user)];
    assert.ok(reads.every(Boolean));
    assert.equal(limiter.admit(get, user), undefined);
    const write = limiter.admit(create, user);
    assert.ok(write);
    assert.equal(limiter.admit(info('DELETE', '/api/v1/namespaces/default/configmaps/x'), user), undefined);
    assert.deepEqual(limiter.inFlight(), { readOnly: 2, mutating: 1 });
  });

  it('frees a slot when a request is answered, once however often it is released', () => {
    const limiter = new MaxInFlightLimiter({ readOnly: 1, mutating: 1 });
    const slot = limiter.admit(get, user)!;
    slot.release();
    slot.release();
    assert.deepEqual(limiter.inFlight(), { readOnly: 0, mutating: 0 });
    assert.ok(limiter.admit(get, user));
    assert.equal(limiter.admit(get, user), undefined);
  });

  it('never refuses system:masters, and does not count it past the limit', () => {
    const limiter = new MaxInFlightLimiter({ readOnly: 1, mutating: 1 });
    limiter.admit(get, user);
    assert.ok(limiter.admit(get, ['system:masters', 'system:authenticated']));
    assert.deepEqual(limiter.inFlight(), { readOnly: 1, mutating: 0 });
  });

  it('does not count long-running requests, nor anything when a limit is 0', () => {
    const limiter = new MaxInFlightLimiter({ readOnly: 1, mutating: 0 });
    limiter.admit(get, user);
    assert.ok(limiter.admit(info('GET', '/api/v1/namespaces/default/configmaps', 'watch=true'), user));
    assert.ok(limiter.admit(info('GET', '/api/v1/namespaces/default/pods/p/log'), user));
    assert.ok(limiter.admit(info('POST', '/api/v1/namespaces/default/pods/p/exec'), user));
    for (let i = 0; i < 5; i++) assert.ok(limiter.admit(create, user));
    assert.deepEqual(limiter.inFlight(), { readOnly: 1, mutating: 0 });
  });

  it('never refuses the health probes (APF\'s exempt `probes` FlowSchema), so a busy front door stays in its load balancer', () => {
    const limiter = new MaxInFlightLimiter({ readOnly: 1, mutating: 1 });
    limiter.admit(get, user);
    for (const path of ['/readyz', '/livez', '/healthz', '/readyz/etcd', '/livez/ping']) assert.ok(limiter.admit(info('GET', path), user), path);
    assert.equal(limiter.admit(info('GET', '/version'), user), undefined, 'other non-resource paths are counted');
    assert.equal(limiter.admit(info('GET', '/readyzz'), user), undefined);
    assert.deepEqual(limiter.inFlight(), { readOnly: 1, mutating: 0 });
  });
});

describe('isLongRunning (kube-apiserver\'s BasicLongRunningRequestCheck)', () => {
  it('names watches, proxies and the connecting subresources', () => {
    assert.equal(isLongRunning(info('GET', '/api/v1/namespaces/default/configmaps', 'watch=1')), true);
    assert.equal(isLongRunning(info('GET', '/api/v1/namespaces/default/pods/p/proxy/x')), true);
    for (const sub of ['attach', 'exec', 'log', 'portforward']) assert.equal(isLongRunning(info('GET', `/api/v1/namespaces/default/pods/p/${sub}`)), true, sub);
    assert.equal(isLongRunning(info('GET', '/api/v1/namespaces/default/pods/p/status')), false);
    assert.equal(isLongRunning(info('GET', '/readyz')), false);
    assert.equal(isLongRunning(get), false);
  });
});

describe('writeTooManyRequests', () => {
  it('answers as Go\'s http.Error does in kube\'s filter: plain text, Retry-After 1', () => {
    const written: { code?: number; headers?: Record<string, unknown>; body?: string } = {};
    const res = Object.assign(new EventEmitter(), {
      headersSent: false,
      writeHead: (code: number, headers: Record<string, unknown>) => Object.assign(written, { code, headers }),
      end: (body: string) => Object.assign(written, { body }),
    }) as unknown as ServerResponse;
    writeTooManyRequests(res);
    assert.equal(written.code, 429);
    assert.equal(written.headers?.['Retry-After'], '1');
    assert.equal(written.headers?.['Content-Type'], 'text/plain; charset=utf-8');
    assert.equal(written.body, 'Too many requests, please try again later.\n');
  });
});
