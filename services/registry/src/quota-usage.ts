// The one write the admission service makes: ResourceQuota's record of what a quota's namespace now
// uses (kube's plugin calls UpdateStatus through the apiserver's loopback client). It replaces
// status.used and nothing else, and only at the version admission read the quota at, so two
// admission replicas or the quota controller writing at once conflict instead of losing an update.
// It is written as the server's own (system:apiserver, field manager kube-apiserver), as kube's is.
import { badRequest, conflict, OPTIMISTIC_LOCK_MESSAGE, type KubeObject } from '@kapi/api-machinery';
import type { GenericStore, WriteContext } from '@kapi/generic-registry';
import type { registryV1 } from '@kapi/proto';
import { SYSTEM_USER } from './registry.js';

const QUOTA_USAGE_WRITER: WriteContext = { user: SYSTEM_USER, dryRun: false, fieldManager: 'kube-apiserver' };

function parseUsed(bytes: Buffer): Record<string, string> {
  let used: unknown;
  try {
    used = JSON.parse(bytes.toString('utf8'));
  } catch {
    used = undefined;
  }
  if (!used || typeof used !== 'object' || Array.isArray(used) || Object.values(used).some((v) => typeof v !== 'string')) {
    throw badRequest('the quota usage must be a map of resource names to quantities');
  }
  return used as Record<string, string>;
}

export async function writeQuotaUsage(quotas: GenericStore, r: registryV1.QuotaUsageRequest): Promise<KubeObject> {
  const used = parseUsed(r.used);
  const current = await quotas.get(r.namespace, r.name);
  if (current.metadata?.resourceVersion !== r.resourceVersion) throw conflict({ group: '', resource: 'resourcequotas' }, r.name, OPTIMISTIC_LOCK_MESSAGE);
  const status = current.status && typeof current.status === 'object' ? current.status : {};
  // The update is pinned to the version read: a write in between is a 409, as kube's UpdateStatus is.
  return quotas.update(r.namespace, r.name, { ...current, status: { ...status, used } }, QUOTA_USAGE_WRITER, 'status');
}
