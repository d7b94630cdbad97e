// core/v1 Node: cluster-scoped, written by kubelets with their status. `kubectl get nodes` shows the
// Ready condition (and SchedulingDisabled for cordoned nodes), the roles from node-role labels and the
// kubelet version; -o wide the addresses and system info.
import { ageColumn, field, isDns1123Subdomain, isQualifiedName, nameColumn, type FieldError, type KubeObject, type TableColumn } from '@kapi/api-machinery';
import { defineStrategy, objectMetaFields } from '../strategy.js';

interface NodeSpec {
  podCIDR?: string;
  podCIDRs?: string[];
  providerID?: string;
  unschedulable?: boolean;
  taints?: { key?: string; value?: string; effect?: string }[];
}

interface NodeStatus {
  capacity?: Record<string, string>;
  allocatable?: Record<string, string>;
  conditions?: { type?: string; status?: string }[];
  addresses?: { type?: string; address?: string }[];
  nodeInfo?: { kubeletVersion?: string; osImage?: string; kernelVersion?: string; containerRuntimeVersion?: string };
}

const nodeSpec = (obj: KubeObject) => (obj.spec ?? {}) as NodeSpec;
const nodeStatus = (obj: KubeObject) => (obj.status ?? {}) as NodeStatus;

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const ROLE_PREFIX = 'node-role.kubernetes.io/';

function statusCell(obj: KubeObject): string {
  const ready = nodeStatus(obj).conditions?.find((c) => c?.type === 'Ready');
  const status = [!ready ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady'];
  if (nodeSpec(obj).unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

function rolesCell(obj: KubeObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(obj.metadata?.labels ?? {})) {
    if (k.startsWith(ROLE_PREFIX) && k.length > ROLE_PREFIX.length) roles.add(k.slice(ROLE_PREFIX.length));
    else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return roles.size ? [...roles].sort().join(',') : '<none>';
}

const address = (obj: KubeObject, type: string) => nodeStatus(obj).addresses?.find((a) => a?.type === type)?.address || '<none>';
const info = (obj: KubeObject, key: keyof NonNullable<NodeStatus['nodeInfo']>) => nodeStatus(obj).nodeInfo?.[key] || '<unknown>';
const column = (name: string, description: string, priority: number, cell: TableColumn['cell']): TableColumn => ({ name, type: 'string', format: '', description, priority, cell });

function validateTaints(taints: NodeSpec['taints']): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (taints ?? []).forEach((t, i) => {
    const at = `spec.taints[${i}]`;
    for (const msg of isQualifiedName(t?.key ?? '')) errs.push(field.invalid(`${at}.key`, t?.key ?? '', msg));
    if (!t?.effect) errs.push(field.required(`${at}.effect`));
    else if (!TAINT_EFFECTS.includes(t.effect)) errs.push(field.notSupported(`${at}.effect`, t.effect, TAINT_EFFECTS));
    const id = `${t?.key}:${t?.effect}`;
    if (seen.has(id)) errs.push(field.duplicate(`${at}`, `${t?.key}:${t?.effect}`));
    seen.add(id);
  });
  return errs;
}

export const nodeStrategy = defineStrategy(
  { group: '', version: 'v1', resource: 'nodes', storagePrefix: 'minions', kind: 'Node', namespaced: false, shortNames: ['no'], subresources: ['proxy', 'status'] },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      column('Status', 'The status of the node', 0, statusCell),
      column('Roles', 'The roles of the node', 0, rolesCell),
      ageColumn,
      column('Version', 'Kubelet Version reported by the node.', 0, (o) => nodeStatus(o).nodeInfo?.kubeletVersion ?? ''),
      column('Internal-IP', 'List of addresses reachable to the node.', 1, (o) => address(o, 'InternalIP')),
      column('External-IP', 'List of addresses reachable to the node.', 1, (o) => address(o, 'ExternalIP')),
      column('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1, (o) => info(o, 'osImage')),
      column('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1, (o) => info(o, 'kernelVersion')),
      column('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1, (o) => info(o, 'containerRuntimeVersion')),
    ],
    // A kubelet registers its node with its status. SetDefaults_NodeStatus: what a node can
    // allocate is, unless it says, its capacity.
    defaults(obj) {
      const status = nodeStatus(obj);
      if (status.capacity && !status.allocatable) status.allocatable = { ...status.capacity };
      obj.status = status;
    },
    validate: (obj) => validateTaints(nodeSpec(obj).taints),
    validateUpdate(obj, old) {
      const errs: FieldError[] = [];
      const [spec, before] = [nodeSpec(obj), nodeSpec(old)];
      if (before.podCIDR && spec.podCIDR !== before.podCIDR) errs.push(field.forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
      if (before.providerID && spec.providerID !== before.providerID) errs.push(field.forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
      return errs;
    },
    selectableFields: (obj) => ({ ...objectMetaFields(obj, false), 'spec.unschedulable': String(nodeSpec(obj).unschedulable === true) }),
  },
);
