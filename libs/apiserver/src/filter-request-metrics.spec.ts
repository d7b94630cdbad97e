import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { metrics } from '@kapi/telemetry';
import { requestMetricLabels, requestMetricsFilter } from './filter-request-metrics.js';
import type { RequestHandler } from './handler-chain.js';
import { answerWith, exchange } from './handler-chain-testing.js';
import { parseRequestInfo } from './request-info.js';

const info = (method: string, path: string, query = '') => parseRequestInfo(method, path, new URLSearchParams(query));

/** The value of the sample of `name` with (at least) these labels, 0 when there is none. */
function sample(name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = metrics
    .render()
    .split('\n')
    .find((l) => {
      const m = l.match(/^([^{ ]+)(?:\{(.*)\})? /);
      return m?.[1] === name && wanted.every((pair) => (m[2] ?? '').split(',').includes(pair));
    });
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('requestMetricLabels', () => {
  it('names the verb as kube does (LIST, WATCH, else the HTTP method) and the scope', () => {
    assert.deepEqual(requestMetricLabels(info('GET', '/api/v1/namespaces/a/pods'), 'GET'), { verb: 'LIST', group: '', version: 'v1', resource: 'pods', subresource: '', scope: 'namespace', component: 'apiserver' });
    assert.equal(requestMetricLabels(info('GET', '/api/v1/pods', 'watch=1'), 'GET').verb, 'WATCH');
    assert.deepEqual(requestMetricLabels(info('patch', '/apis/apps/v1/namespaces/a/deployments/d/scale'), 'patch'), {
      verb: 'PATCH',
      group: 'apps',
      version: 'v1',
      resource: 'deployments',
      subresource: 'scale',
      scope: 'resource',
      component: 'apiserver',
    });
    assert.equal(requestMetricLabels(info('GET', '/api/v1/nodes'), 'GET').scope, 'cluster');
    assert.deepEqual(requestMetricLabels(info('GET', '/healthz'), 'GET'), { verb: 'GET', group: '', version: '', resource: '', subresource: '', scope: '', component: 'apiserver' });
  });
});

describe('requestMetricsFilter', () => {
  it('counts each request with the code it was answered with, and its latency', async () => {
    const labels = { verb: 'DELETE', group: '', version: 'v1', resource: 'secrets', subresource: '', scope: 'resource', component: 'apiserver' };
    const before = sample('apiserver_request_total', { ...labels, code: '409' });
    const latencyBefore = sample('apiserver_request_duration_seconds_count', labels);
    await exchange([requestMetricsFilter, answerWith('conflict', 409)], { method: 'DELETE', path: '/api/v1/namespaces/a/secrets/s' });
    assert.equal(sample('apiserver_request_total', { ...labels, code: '409' }), before + 1);
    assert.equal(sample('apiserver_request_duration_seconds_count', labels), latencyBefore + 1);
  });

  it('counts requests in flight by kind while they run, and long-running ones apart', async () => {
    const seen: number[] = [];
    const observe: RequestHandler = {
      name: 'observe',
      handle: (_r, next) => {
        seen.push(sample('apiserver_current_inflight_requests', { request_kind: 'mutating' }), sample('apiserver_longrunning_requests'));
        return next();
      },
    };
    const idle = [sample('apiserver_current_inflight_requests', { request_kind: 'mutating' }), sample('apiserver_longrunning_requests')];
    await exchange([requestMetricsFilter, observe, answerWith('ok', 201)], { method: 'POST', path: '/api/v1/namespaces/a/secrets' });
    assert.deepEqual(seen, [idle[0] + 1, idle[1]]);
    await exchange([requestMetricsFilter, observe, answerWith('ok')], { path: '/api/v1/secrets?watch=true' });
    assert.deepEqual(seen.slice(2), [idle[0], idle[1] + 1]);
    assert.equal(sample('apiserver_current_inflight_requests', { request_kind: 'mutating' }), idle[0]);
  });
});
