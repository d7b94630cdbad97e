// The scale subresource (<resource>/scale): an autoscaling/v1 Scale that reads and writes the owning
// object's spec.replicas, reports its status.replicas and its pod selector as a label-selector
// string. A kind opts in with a ScaleSubresource on its strategy; the generic store does the rest.
import { ageColumn, badRequest, field, invalid, nameColumn, type KubeObject, type TableColumn } from '@kapi/api-machinery';

export interface ScaleSubresource {
  /** The pods the object scales, in the string form of a label selector (Scale's status.selector). */
  selector(obj: KubeObject): string;
  /** Where the desired replicas are, when not spec.replicas (a custom resource's specReplicasPath, as fields). */
  readonly specReplicasPath?: readonly string[];
  /** Where the observed replicas are, when not status.replicas (a custom resource's statusReplicasPath). */
  readonly statusReplicasPath?: readonly string[];
}

const SPEC_REPLICAS = ['spec', 'replicas'];
const STATUS_REPLICAS = ['status', 'replicas'];

function readPath(obj: unknown, path: readonly string[]): unknown {
  let current = obj;
  for (const name of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[name];
  }
  return current;
}

function writePath(obj: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let current = obj;
  for (const name of path.slice(0, -1)) {
    const next = current[name];
    current = current[name] = typeof next === 'object' && next !== null && !Array.isArray(next) ? (next as Record<string, unknown>) : {};
  }
  current[path[path.length - 1]] = value;
}

const replicasAt = (obj: KubeObject, path: readonly string[]) => {
  const value = readPath(obj, path);
  return typeof value === 'number' ? value : 0;
};

export const SCALE_KIND = { group: 'autoscaling', version: 'v1', kind: 'Scale' } as const;

interface Replicated {
  spec?: { replicas?: number };
  status?: { replicas?: number };
}

/** The Scale of an object, as kube-apiserver answers GET <resource>/<name>/scale. */
export function scaleOf(scale: ScaleSubresource, obj: KubeObject): KubeObject {
  const meta = obj.metadata ?? {};
  const selector = scale.selector(obj);
  const replicas = replicasAt(obj, scale.specReplicasPath ?? SPEC_REPLICAS);
  return {
    kind: SCALE_KIND.kind,
    apiVersion: `${SCALE_KIND.group}/${SCALE_KIND.version}`,
    metadata: { name: meta.name, namespace: meta.namespace, uid: meta.uid, resourceVersion: meta.resourceVersion, creationTimestamp: meta.creationTimestamp },
    // autoscaling/v1 omits a zero spec.replicas and an empty selector, never status.replicas.
    spec: replicas ? { replicas } : {},
    status: { replicas: replicasAt(obj, scale.statusReplicasPath ?? STATUS_REPLICAS), ...(selector ? { selector } : {}) },
  };
}

/**
 * The object with the replicas a client wrote through its Scale. A resourceVersion in the Scale is a
 * precondition on the object, so a stale Scale meets a conflict.
 */
export function applyScale(current: KubeObject, written: KubeObject, scale?: ScaleSubresource): KubeObject {
  const replicas = (written as Replicated).spec?.replicas ?? 0;
  const name = current.metadata?.name ?? '';
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw invalid(SCALE_KIND.kind, SCALE_KIND.group, name, [field.invalid('spec.replicas', replicas, 'must be greater than or equal to 0')]);
  }
  const obj = structuredClone(current) as KubeObject & Replicated;
  writePath(obj as Record<string, unknown>, scale?.specReplicasPath ?? SPEC_REPLICAS, replicas);
  const { resourceVersion: _rv, ...meta } = obj.metadata ?? {};
  const pinned = written.metadata?.resourceVersion;
  obj.metadata = pinned ? { ...meta, resourceVersion: pinned } : meta;
  return obj;
}

/**
 * Why a written Scale cannot be decoded as an autoscaling/v1 Scale, in the decoder's words, or
 * undefined when it can: its kind and apiVersion, when present, must be Scale's. A Scale of another
 * version is a kind the scheme does not register; another kind cannot be converted to a Scale.
 */
function scaleTypeError(written: KubeObject): string | undefined {
  const { apiVersion, kind } = written;
  const expected = `${SCALE_KIND.group}/${SCALE_KIND.version}`;
  if ((kind === undefined || kind === SCALE_KIND.kind) && (apiVersion === undefined || apiVersion === expected)) return undefined;
  if (kind === undefined || kind === SCALE_KIND.kind || !apiVersion) {
    return `no kind "${kind ?? SCALE_KIND.kind}" is registered for version "${apiVersion ?? expected}" in scheme "pkg/runtime/scheme.go:110"`;
  }
  return `converting (${apiVersion.split('/').at(-1)}.${kind}) to (autoscaling.Scale): unknown conversion`;
}

/** A Scale sent whole (PUT): 400 as kube's update handler words a body of another kind. */
export function checkScaleBody(written: KubeObject): void {
  const error = scaleTypeError(written);
  if (!error) return;
  const version = (written.apiVersion ?? '').split('/').at(-1) ?? '';
  throw badRequest(`${written.kind ?? SCALE_KIND.kind} in version "${version}" cannot be handled as a Scale: ${error}`);
}

/** A Scale a patch produced: 422, the patch being invalid, as kube's patcher words it. */
export function checkPatchedScale(patched: KubeObject): void {
  const error = scaleTypeError(patched);
  if (error) throw invalid('', '', '', [field.invalid('patch', JSON.stringify(patched), error)]);
}

const replicasOf = (part: 'spec' | 'status') => (obj: KubeObject) => (obj as Replicated)[part]?.replicas ?? 0;

/** How a Scale prints (`kubectl get deploy/web --subresource=scale`): NAME DESIRED AVAILABLE AGE. */
export const scaleColumns: TableColumn[] = [
  { ...nameColumn, format: '' },
  { name: 'Desired', type: 'integer', format: '', description: 'replicas is the desired number of instances for the scaled object.', priority: 0, cell: replicasOf('spec') },
  { name: 'Available', type: 'integer', format: '', description: 'replicas is the actual number of observed instances of the scaled object.', priority: 0, cell: replicasOf('status') },
  ageColumn,
];
