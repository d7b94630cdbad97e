// What several plugins read of a pod: its containers (kube's VisitContainersWithPath), the Secrets
// and ConfigMaps it names (podutil.VisitPodSecretNames / VisitPodConfigmapNames), whether it is a
// mirror pod. Objects are plain JSON here, read defensively.
import type { KubeObject } from '@kapi/api-machinery';

export type Json = Record<string, any>;

export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

/** The pod's spec as a mutable record (created when absent). */
export function specOf(obj: KubeObject): Json {
  if (!obj.spec || typeof obj.spec !== 'object') obj.spec = {};
  return obj.spec as Json;
}

export const isMirrorPod = (pod: KubeObject) => Object.hasOwn(pod.metadata?.annotations ?? {}, MIRROR_POD_ANNOTATION);

const list = (value: unknown): Json[] => (Array.isArray(value) ? value.filter((v) => v && typeof v === 'object') : []);

/** Every container with its path: containers, then init containers, then ephemeral containers. */
export function containersWithPaths(spec: Json): { container: Json; path: string }[] {
  return [
    ...list(spec.initContainers).map((container, i) => ({ container, path: `spec.initContainers[${i}]` })),
    ...list(spec.containers).map((container, i) => ({ container, path: `spec.containers[${i}]` })),
    ...list(spec.ephemeralContainers).map((container, i) => ({ container, path: `spec.ephemeralContainers[${i}]` })),
  ];
}

/** The names of the Secrets a pod references, in kube's visiting order. */
export function podSecretNames(spec: Json): string[] {
  const names: string[] = [];
  const add = (name: unknown) => typeof name === 'string' && name && names.push(name);
  for (const s of list(spec.imagePullSecrets)) add(s.name);
  for (const { container } of containersWithPaths(spec)) {
    for (const e of list(container.envFrom)) add(e.secretRef?.name);
    for (const e of list(container.env)) add(e.valueFrom?.secretKeyRef?.name);
  }
  for (const v of list(spec.volumes)) {
    add(v.secret?.secretName);
    for (const source of list(v.projected?.sources)) add(source.secret?.name);
    for (const kind of ['azureFile']) add(v[kind]?.secretName);
    for (const kind of ['cephfs', 'cinder', 'flexVolume', 'rbd', 'storageos', 'scaleIO', 'iscsi']) add(v[kind]?.secretRef?.name);
    add(v.csi?.nodePublishSecretRef?.name);
  }
  return names;
}

/** The names of the ConfigMaps a pod references. */
export function podConfigMapNames(spec: Json): string[] {
  const names: string[] = [];
  const add = (name: unknown) => typeof name === 'string' && name && names.push(name);
  for (const { container } of containersWithPaths(spec)) {
    for (const e of list(container.envFrom)) add(e.configMapRef?.name);
    for (const e of list(container.env)) add(e.valueFrom?.configMapKeyRef?.name);
  }
  for (const v of list(spec.volumes)) {
    add(v.configMap?.name);
    for (const source of list(v.projected?.sources)) add(source.configMap?.name);
  }
  return names;
}

export const volumesOf = (spec: Json): Json[] => list(spec.volumes);
export const tolerationsOf = (spec: Json): Json[] => list(spec.tolerations);
