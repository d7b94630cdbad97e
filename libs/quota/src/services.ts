// kube's service evaluator (pkg/quota/v1/evaluator/core/services.go): a Service is one `services` (and
// one `count/services`); a NodePort Service uses a node port per port, a LoadBalancer one a load
// balancer and its node ports (only those it names when it asks for none to be allocated).
import type { KubeObject } from '@kapi/api-machinery';
import { matchesQuota, objectCountName, type Evaluator } from './evaluator.js';
import { count, intersection, ZERO, type ResourceList } from './resource-list.js';

type Json = Record<string, any>;

const SERVICE_COUNT = objectCountName({ group: '', resource: 'services' });
const SERVICE_RESOURCES = [SERVICE_COUNT, 'services', 'services.nodeports', 'services.loadbalancers'];

const specOf = (svc: KubeObject): Json => (svc.spec && typeof svc.spec === 'object' ? (svc.spec as Json) : {});
const portsOf = (svc: KubeObject): Json[] => (Array.isArray(specOf(svc).ports) ? specOf(svc).ports.filter((p: unknown) => p && typeof p === 'object') : []);

export function serviceUsage(svc: KubeObject): ResourceList {
  const spec = specOf(svc);
  const usage: ResourceList = new Map([
    [SERVICE_COUNT, count(1)],
    ['services', count(1)],
    ['services.loadbalancers', ZERO],
    ['services.nodeports', ZERO],
  ]);
  const ports = portsOf(svc);
  if (spec.type === 'NodePort') usage.set('services.nodeports', count(ports.length));
  if (spec.type === 'LoadBalancer') {
    // Node ports are not allocated yet at admission: what counts is what the Service asks for.
    const named = spec.allocateLoadBalancerNodePorts === false ? ports.filter((p) => p.nodePort).length : ports.length;
    usage.set('services.nodeports', count(named));
    usage.set('services.loadbalancers', count(1));
  }
  return usage;
}

/** GetQuotaServiceType: the type as quota sees it (NodePort, LoadBalancer, or none). */
export const quotaServiceType = (svc: KubeObject): string => (['NodePort', 'LoadBalancer'].includes(specOf(svc).type) ? specOf(svc).type : '');

export function serviceEvaluator(): Evaluator {
  const matchingResources = (input: string[]) => intersection(input, SERVICE_RESOURCES);
  const noScope = () => false;
  return {
    groupResource: { group: '', resource: 'services' },
    // A Service's type can change on update.
    handles: (r) => r.operation === 'CREATE' || r.operation === 'UPDATE',
    constraints: () => undefined,
    matches: (quota, svc) => matchesQuota(quota, svc, matchingResources, noScope),
    matchingResources,
    matchingScopes: () => [],
    uncoveredQuotaScopes: () => [],
    usage: serviceUsage,
    matchesScope: noScope,
  };
}
