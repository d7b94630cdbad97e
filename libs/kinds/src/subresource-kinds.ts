// The kind of a subresource's body, as kube registers it: a resource's own kind unless the
// subresource takes another (scale: autoscaling/v1 Scale, pods/eviction: policy/v1 Eviction, …).
// Admission is told this kind, and policies and webhooks match and type by it.
import type { GroupVersionKind } from '@kapi/api-machinery';

const SUBRESOURCE_KINDS: Record<string, GroupVersionKind> = {
  scale: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
  binding: { group: '', version: 'v1', kind: 'Binding' },
  eviction: { group: 'policy', version: 'v1', kind: 'Eviction' },
  token: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' },
  exec: { group: '', version: 'v1', kind: 'PodExecOptions' },
  attach: { group: '', version: 'v1', kind: 'PodAttachOptions' },
  portforward: { group: '', version: 'v1', kind: 'PodPortForwardOptions' },
};

/** The kind admission is told an object of `resource`'s `subresource` is. */
export function subresourceKind(own: GroupVersionKind & { resource: string }, subresource: string): GroupVersionKind {
  if (subresource === 'proxy') {
    const kind = own.resource === 'nodes' ? 'NodeProxyOptions' : own.resource === 'services' ? 'ServiceProxyOptions' : 'PodProxyOptions';
    return { group: '', version: 'v1', kind };
  }
  return SUBRESOURCE_KINDS[subresource] ?? { group: own.group, version: own.version, kind: own.kind };
}
