// What kube-apiserver's default admission plugins add to every new pod, done around the create as
// the registry's other hooks are: ServiceAccount (the default account, which must exist, and its
// token volume mounted in every container), DefaultTolerationSeconds (five minutes on not-ready and
// unreachable nodes) and Priority (the integer priority and preemption policy of the pod's class).
import { randomInt } from 'node:crypto';
import { forbidden, StatusError, type KubeObject } from '@kapi/api-machinery';
import type { GenericStore, StoreHooks } from '@kapi/generic-registry';
import { DEFAULT_SERVICE_ACCOUNT, podSpec, type PodSpec } from '@kapi/kinds';

export interface PodAdmissionStores {
  serviceAccounts: () => GenericStore;
  priorityClasses: () => GenericStore;
}

const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const NOT_FOUND_RETRIES = 10;

const isNotFound = (err: unknown) => err instanceof StatusError && err.httpCode === 404;
const podForbidden = (pod: KubeObject, why: string) => forbidden({ group: '', resource: 'pods' }, pod.metadata?.name ?? '', why);

/** The default account is created by a controller just after its namespace: look again for a moment. */
async function findServiceAccount(store: GenericStore, namespace: string, name: string): Promise<KubeObject | undefined> {
  const attempts = name === DEFAULT_SERVICE_ACCOUNT ? NOT_FOUND_RETRIES : 1;
  const pause = 100 + randomInt(100);
  for (let i = 0; i < attempts; i++) {
    if (i) await new Promise((r) => setTimeout(r, pause));
    try {
      return await store.get(namespace, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return undefined;
}

/** The projected volume the ServiceAccount plugin adds: a bound token, the cluster CA and the namespace. */
function tokenVolume(name: string) {
  return {
    name,
    projected: {
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
      defaultMode: 0o644,
    },
  };
}

function mountToken(spec: PodSpec): void {
  const containers = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
  if (containers.some((c) => (c?.volumeMounts ?? []).some((m) => m?.mountPath === TOKEN_MOUNT_PATH))) return;
  const name = `kube-api-access-${Array.from({ length: 5 }, () => NAME_ALPHABET[randomInt(NAME_ALPHABET.length)]).join('')}`;
  spec.volumes = [...(spec.volumes ?? []), tokenVolume(name)];
  for (const c of containers) if (c) c.volumeMounts = [...(c.volumeMounts ?? []), { name, readOnly: true, mountPath: TOKEN_MOUNT_PATH }];
}

async function admitServiceAccount(pod: KubeObject, spec: PodSpec, store: GenericStore): Promise<void> {
  spec.serviceAccountName ||= DEFAULT_SERVICE_ACCOUNT;
  spec.serviceAccount = spec.serviceAccountName;
  const namespace = pod.metadata?.namespace ?? '';
  const account = await findServiceAccount(store, namespace, spec.serviceAccountName);
  if (!account) {
    throw podForbidden(pod, `error looking up service account ${namespace}/${spec.serviceAccountName}: serviceaccount ${JSON.stringify(spec.serviceAccountName)} not found`);
  }
  const automount = (spec as { automountServiceAccountToken?: boolean }).automountServiceAccountToken ?? (account as { automountServiceAccountToken?: boolean }).automountServiceAccountToken;
  if (automount !== false) mountToken(spec);
}

const UNREACHABLE_TAINTS = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'];

function admitTolerations(spec: PodSpec): void {
  const tolerations = spec.tolerations ?? [];
  for (const key of UNREACHABLE_TAINTS) {
    const tolerated = tolerations.some((t) => (t?.key === key || (!t?.key && t?.operator === 'Exists')) && (!t?.effect || t.effect === 'NoExecute'));
    if (!tolerated) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  }
  spec.tolerations = tolerations;
}

async function admitPriority(pod: KubeObject, spec: PodSpec, store: GenericStore): Promise<void> {
  let priority = 0;
  let preemptionPolicy = 'PreemptLowerPriority';
  const resolve = (pc: KubeObject) => {
    const fields = pc as { value?: number; preemptionPolicy?: string };
    priority = fields.value ?? 0;
    preemptionPolicy = fields.preemptionPolicy ?? preemptionPolicy;
  };
  if (!spec.priorityClassName) {
    const globalDefault = (await store.list({})).items.find((pc) => (pc as { globalDefault?: boolean }).globalDefault);
    if (globalDefault) {
      resolve(globalDefault);
      spec.priorityClassName = globalDefault.metadata?.name;
    }
  } else {
    try {
      resolve(await store.get(undefined, spec.priorityClassName));
    } catch (err) {
      if (isNotFound(err)) throw podForbidden(pod, `no PriorityClass with name ${spec.priorityClassName} was found`);
      throw err;
    }
  }
  if (spec.priority !== undefined && spec.priority !== null && spec.priority !== priority) {
    throw podForbidden(pod, `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`);
  }
  spec.priority = priority;
  if (spec.preemptionPolicy && spec.preemptionPolicy !== preemptionPolicy) {
    throw podForbidden(pod, `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${preemptionPolicy} from the given PriorityClass name`);
  }
  spec.preemptionPolicy = preemptionPolicy;
}

export function podAdmissionHooks(stores: PodAdmissionStores): StoreHooks {
  return {
    async beginCreate(pod) {
      const spec = podSpec(pod);
      await admitServiceAccount(pod, spec, stores.serviceAccounts());
      admitTolerations(spec);
      await admitPriority(pod, spec, stores.priorityClasses());
      pod.spec = spec;
      return async () => {};
    },
  };
}
