// kube-apiserver's request metrics: requests in flight by kind, long-running requests, and each
// request's count and latency by verb, group, version, resource, scope and code. It wraps panic
// recovery, so it counts the code of the answer every error gets.
import { LATENCY_BUCKETS, metrics } from '@kapi/telemetry';
import type { RequestHandler } from './handler-chain.js';
import type { RequestInfo } from './request-info.js';

const MUTATING_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);
const inflight = metrics.gauge('apiserver_current_inflight_requests', 'Maximal number of currently used inflight request limit of this apiserver per request kind in last second.');
const longRunning = metrics.gauge('apiserver_longrunning_requests', 'Gauge of all active long-running apiserver requests.');
const requests = metrics.counter('apiserver_request_total', 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.');
const requestDuration = metrics.histogram(
  'apiserver_request_duration_seconds',
  'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
  LATENCY_BUCKETS,
);

/** kube-apiserver's request metric labels: the verb as LIST/WATCH or the HTTP method, and the scope. */
export function requestMetricLabels(info: RequestInfo, method: string): Record<string, string> {
  const verb = info.verb === 'list' ? 'LIST' : info.verb === 'watch' ? 'WATCH' : method.toUpperCase();
  if (!info.isResourceRequest) return { verb, group: '', version: '', resource: '', subresource: '', scope: '', component: 'apiserver' };
  const scope = info.name ? 'resource' : info.namespace ? 'namespace' : 'cluster';
  return { verb, group: info.apiGroup, version: info.apiVersion, resource: info.resource, subresource: info.subresource, scope, component: 'apiserver' };
}

export const requestMetricsFilter: RequestHandler = {
  name: 'request metrics',
  async handle({ req, res, info }, next) {
    const started = process.hrtime.bigint();
    const requestKind = info.verb === 'watch' ? undefined : MUTATING_VERBS.has(info.verb) ? 'mutating' : 'readOnly';
    if (requestKind) inflight.add(1, { request_kind: requestKind });
    else longRunning.add(1);
    try {
      await next();
    } finally {
      if (requestKind) inflight.add(-1, { request_kind: requestKind });
      else longRunning.add(-1);
      const labels = requestMetricLabels(info, req.method ?? 'GET');
      requests.inc({ ...labels, code: String(res.statusCode) });
      if (info.verb !== 'watch') requestDuration.observe(Number(process.hrtime.bigint() - started) / 1e9, labels);
    }
  },
};
