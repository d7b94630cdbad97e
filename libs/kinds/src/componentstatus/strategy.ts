// v1 ComponentStatus, deprecated since 1.19 and still served: the health of the control plane's
// parts (scheduler, controller manager, each etcd server) as kube-apiserver probes them when asked.
// Read-only and never stored; the registry answers gets and lists from its probes.
import { nameColumn, type KubeObject } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';
import { column } from '../table-columns.js';

interface ComponentCondition {
  type?: string;
  status?: string;
  message?: string;
  error?: string;
}

/** kube's printer: the Healthy condition's status, message and error; Unknown without one. */
function healthOf(obj: KubeObject): { status: string; message: string; error: string } {
  const conditions = ((obj as { conditions?: ComponentCondition[] }).conditions ?? []) as ComponentCondition[];
  const healthy = conditions.find((c) => c.type === 'Healthy');
  if (!healthy) return { status: 'Unknown', message: '', error: '' };
  return { status: healthy.status === 'True' ? 'Healthy' : 'Unhealthy', message: healthy.message ?? '', error: healthy.error ?? '' };
}

export const componentStatusStrategy = defineStrategy(
  {
    group: '',
    version: 'v1',
    resource: 'componentstatuses',
    kind: 'ComponentStatus',
    namespaced: false,
    shortNames: ['cs'],
    verbs: ['get', 'list'],
    deprecation: { since: '1.19' },
  },
  {
    validateName: () => [],
    tableColumns: [
      nameColumn,
      column('Status', 'string', 'Status of the component conditions', (obj) => healthOf(obj).status),
      column('Message', 'string', 'Message of the component conditions', (obj) => healthOf(obj).message),
      column('Error', 'string', 'Error of the component conditions', (obj) => healthOf(obj).error),
    ],
  },
);

export function isComponentStatuses(group: string, resource: string): boolean {
  return group === '' && resource === 'componentstatuses';
}

/** One probed component as kube-apiserver answers it: healthy with the probe's body, or not with why. */
export function componentStatus(name: string, outcome: { healthy: boolean; message: string }): KubeObject {
  return { metadata: { name }, conditions: [{ type: 'Healthy', status: outcome.healthy ? 'True' : 'False', message: outcome.message }] };
}
