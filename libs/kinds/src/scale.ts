// The scale subresource (<resource>/scale): an autoscaling/v1 Scale that reads and writes the owning
// object's spec.replicas, reports its status.replicas and its pod selector as a label-selector
// string. A kind opts in with a ScaleSubresource on its strategy; the generic store does the rest.
import { ageColumn, field, invalid, nameColumn, objectMessage, type KubeObject, type TableColumn } from '@kapi/api-machinery';

export interface ScaleSubresource {
  /** The pods the object scales, in the string form of a label selector (Scale's status.selector). */
  selector(obj: KubeObject): string;
}

export const SCALE_KIND = { group: 'autoscaling', version: 'v1', kind: 'Scale' } as const;

/** autoscaling/v1 Scale as protobuf, for typed clients that write a Scale that way. */
export const scaleProtobuf = objectMessage({
  spec: { fields: { 1: { name: 'replicas', type: 'int32' } } },
  status: { fields: { 1: { name: 'replicas', type: 'int32', keepZero: true }, 2: { name: 'selector', type: 'string' } } },
});

interface Replicated {
  spec?: { replicas?: number };
  status?: { replicas?: number };
}

/** The Scale of an object, as kube-apiserver answers GET <resource>/<name>/scale. */
export function scaleOf(scale: ScaleSubresource, obj: KubeObject): KubeObject {
  const { spec, status } = obj as Replicated;
  const meta = obj.metadata ?? {};
  const selector = scale.selector(obj);
  const replicas = spec?.replicas ?? 0;
  return {
    kind: SCALE_KIND.kind,
    apiVersion: `${SCALE_KIND.group}/${SCALE_KIND.version}`,
    metadata: { name: meta.name, namespace: meta.namespace, uid: meta.uid, resourceVersion: meta.resourceVersion, creationTimestamp: meta.creationTimestamp },
    // autoscaling/v1 omits a zero spec.replicas and an empty selector, never status.replicas.
    spec: replicas ? { replicas } : {},
    status: { replicas: status?.replicas ?? 0, ...(selector ? { selector } : {}) },
  };
}

/**
 * The object with the replicas a client wrote through its Scale. A resourceVersion in the Scale is a
 * precondition on the object, so a stale Scale meets a conflict.
 */
export function applyScale(current: KubeObject, written: KubeObject): KubeObject {
  const replicas = (written as Replicated).spec?.replicas ?? 0;
  const name = current.metadata?.name ?? '';
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw invalid(SCALE_KIND.kind, SCALE_KIND.group, name, [field.invalid('spec.replicas', replicas, 'must be greater than or equal to 0')]);
  }
  const obj = structuredClone(current) as KubeObject & Replicated;
  obj.spec = { ...obj.spec, replicas };
  const { resourceVersion: _rv, ...meta } = obj.metadata ?? {};
  const pinned = written.metadata?.resourceVersion;
  obj.metadata = pinned ? { ...meta, resourceVersion: pinned } : meta;
  return obj;
}

const replicasOf = (part: 'spec' | 'status') => (obj: KubeObject) => (obj as Replicated)[part]?.replicas ?? 0;

/** How a Scale prints (`kubectl get deploy/web --subresource=scale`): NAME DESIRED AVAILABLE AGE. */
export const scaleColumns: TableColumn[] = [
  { ...nameColumn, format: '' },
  { name: 'Desired', type: 'integer', format: '', description: 'replicas is the desired number of instances for the scaled object.', priority: 0, cell: replicasOf('spec') },
  { name: 'Available', type: 'integer', format: '', description: 'replicas is the actual number of observed instances of the scaled object.', priority: 0, cell: replicasOf('status') },
  ageColumn,
];
