// Objects the quota specs build: quotas with their status, pods with their containers' resources.
import type { KubeObject } from '@kapi/api-machinery';
import type { ScopeSelectorRequirement } from './quota.js';

export function quota(
  name: string,
  hard: Record<string, string>,
  used?: Record<string, string>,
  scopes: { scopes?: string[]; scopeSelector?: ScopeSelectorRequirement[]; namespace?: string; resourceVersion?: string } = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name, namespace: scopes.namespace ?? 'ns', resourceVersion: scopes.resourceVersion ?? '10' },
    spec: { hard, ...(scopes.scopes ? { scopes: scopes.scopes } : {}), ...(scopes.scopeSelector ? { scopeSelector: { matchExpressions: scopes.scopeSelector } } : {}) },
    status: used ? { hard, used } : {},
  };
}

type Resources = { requests?: Record<string, string>; limits?: Record<string, string> };

export function pod(name: string, containers: (Resources & { name?: string })[] = [{}], spec: Record<string, unknown> = {}, extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns', resourceVersion: '5' },
    spec: {
      containers: containers.map(({ name: cname, ...resources }, i) => ({ name: cname ?? (i ? `${name}-${i}` : name), image: 'nginx', resources })),
      ...spec,
    },
    ...extra,
  };
}

export const object = (kind: string, name: string, spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind,
  metadata: { name, namespace: 'ns', resourceVersion: '5', ...metadata },
  spec,
});
