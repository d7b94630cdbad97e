// ServiceAccount: a new pod runs as a ServiceAccount that exists (`default` unless it names one),
// gets that account's image pull secrets when it has none, and, unless the pod or the account opts
// out, a projected volume with a bound token, the cluster's CA and its namespace, mounted in every
// container. Mirror pods may reference no account, Secret or token. An account annotated
// kubernetes.io/enforce-mountable-secrets=true limits the pod to the Secrets it lists.
import { randomInt } from 'node:crypto';
import type { AdmissionAttributes, AdmissionPlugin } from '@kapi/admission-chain';
import type { KubeObject } from '@kapi/api-machinery';
import { admissionForbidden, isResource } from './admission-errors.js';
import { RESOURCES, type PluginContext } from './context.js';
import { containersWithPaths, isMirrorPod, podSecretNames, specOf, volumesOf, type Json } from './pods.js';
import { waitForReady } from './ready.js';

export const DEFAULT_SERVICE_ACCOUNT_NAME = 'default';
export const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
const ENFORCE_MOUNTABLE_SECRETS = 'kubernetes.io/enforce-mountable-secrets';
const VOLUME_PREFIX = 'kube-api-access-';
/** kube's SimpleNameGenerator alphabet: no vowels, no look-alikes. */
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
/** A kubelet's token lives an hour and seven seconds (the seven tell it apart for the extended expiry). */
const TOKEN_EXPIRATION_SECONDS = 3607;

const ignored = (a: AdmissionAttributes) => !isResource(a, '', 'pods') || a.subresource !== '' || !a.object;

/** The projected volume kube adds: a bound token, the cluster CA and the namespace. */
export function tokenVolume(name: string): Json {
  return {
    name,
    projected: {
      sources: [
        { serviceAccountToken: { expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
      defaultMode: 0o644,
    },
  };
}

const randomSuffix = () => Array.from({ length: 5 }, () => NAME_ALPHABET[randomInt(NAME_ALPHABET.length)]).join('');

function mountToken(spec: Json, generateSuffix: () => string): void {
  const volumes = volumesOf(spec);
  // A volume named as this plugin names them (one it added before) is the token volume.
  const existing = volumes.find((v) => typeof v.name === 'string' && v.name.startsWith(VOLUME_PREFIX))?.name as string | undefined;
  let volumeName = existing ?? VOLUME_PREFIX + generateSuffix();
  const taken = new Set(volumes.map((v) => v.name));
  while (!existing && taken.has(volumeName)) volumeName = VOLUME_PREFIX + generateSuffix();
  let needed = false;
  for (const key of ['initContainers', 'containers'] as const) {
    for (const container of Array.isArray(spec[key]) ? (spec[key] as Json[]) : []) {
      if (!container || typeof container !== 'object') continue;
      const mounts = Array.isArray(container.volumeMounts) ? (container.volumeMounts as Json[]) : [];
      // A container that mounts something at the token's path keeps it.
      if (mounts.some((m) => m?.mountPath === TOKEN_MOUNT_PATH)) continue;
      container.volumeMounts = [...mounts, { name: volumeName, readOnly: true, mountPath: TOKEN_MOUNT_PATH }];
      needed = true;
    }
  }
  if (needed && !existing) spec.volumes = [...volumes, tokenVolume(volumeName)];
}

function shouldAutomount(account: KubeObject, spec: Json): boolean {
  if (typeof spec.automountServiceAccountToken === 'boolean') return spec.automountServiceAccountToken;
  const own = (account as { automountServiceAccountToken?: unknown }).automountServiceAccountToken;
  return typeof own === 'boolean' ? own : true;
}

/** The Secrets an account with enforce-mountable-secrets does not list, as kube words the first one. */
function secretReferenceError(account: KubeObject, spec: Json): string | undefined {
  const allowed = new Set(((account as { secrets?: { name?: string }[] }).secrets ?? []).map((s) => s?.name));
  const accountName = account.metadata?.name ?? '';
  for (const v of volumesOf(spec)) {
    const secretName = v.secret?.secretName;
    if (v.secret && !allowed.has(secretName)) return `volume with secret.secretName="${secretName ?? ''}" is not allowed because service account ${accountName} does not reference that secret`;
  }
  for (const { container, path } of containersWithPaths(spec)) {
    const what = path.startsWith('spec.initContainers') ? 'init container' : path.startsWith('spec.ephemeralContainers') ? 'ephemeral container' : 'container';
    for (const env of Array.isArray(container.env) ? (container.env as Json[]) : []) {
      const ref = env?.valueFrom?.secretKeyRef?.name;
      if (ref !== undefined && !allowed.has(ref)) {
        return `${what} ${container.name ?? ''} with envVar ${env.name ?? ''} referencing secret.secretName="${ref}" is not allowed because service account ${accountName} does not reference that secret`;
      }
    }
  }
  const pullAllowed = new Set(((account as { imagePullSecrets?: { name?: string }[] }).imagePullSecrets ?? []).map((s) => s?.name));
  const pullSecrets = Array.isArray(spec.imagePullSecrets) ? (spec.imagePullSecrets as Json[]) : [];
  for (const [i, ref] of pullSecrets.entries()) {
    if (!pullAllowed.has(ref?.name)) return `imagePullSecrets[${i}].name="${ref?.name ?? ''}" is not allowed because service account ${accountName} does not reference that imagePullSecret`;
  }
  return undefined;
}

export function serviceAccount(context: PluginContext, options: { generateSuffix?: () => string; retryPauseMs?: number } = {}): AdmissionPlugin {
  const accounts = context.informers.informerFor(RESOURCES.serviceAccounts);
  const generateSuffix = options.generateSuffix ?? randomSuffix;

  /** The informer's copy, else a live read: the default account is made by a controller just after its namespace, so it is looked for ten times. */
  async function getServiceAccount(a: AdmissionAttributes, namespace: string, name: string): Promise<KubeObject> {
    await waitForReady(a, [accounts]);
    const cached = accounts.get(namespace, name);
    if (cached) return cached;
    const attempts = name === DEFAULT_SERVICE_ACCOUNT_NAME ? 10 : 1;
    const pause = options.retryPauseMs ?? 100 + randomInt(100);
    for (let i = 0; i < attempts; i++) {
      if (i) await new Promise((r) => setTimeout(r, pause));
      const live = await context.api.get(RESOURCES.serviceAccounts, namespace, name);
      if (live) return live;
    }
    throw admissionForbidden(a, `error looking up service account ${namespace}/${name}: serviceaccount "${name}" not found`);
  }

  function validateMirrorPod(a: AdmissionAttributes, spec: Json): void {
    if (spec.serviceAccountName) throw admissionForbidden(a, 'a mirror pod may not reference service accounts');
    if (podSecretNames(spec).length) throw admissionForbidden(a, 'a mirror pod may not reference secrets');
    for (const v of volumesOf(spec)) {
      if ((v.projected?.sources ?? []).some?.((s: Json) => s?.serviceAccountToken)) throw admissionForbidden(a, 'a mirror pod may not use ServiceAccountToken volume projections');
    }
  }

  async function validate(a: AdmissionAttributes): Promise<void> {
    if (ignored(a)) return;
    const pod = a.object!;
    const spec = specOf(pod);
    if (isMirrorPod(pod)) return validateMirrorPod(a, spec);
    const account = await getServiceAccount(a, a.resource.namespace, String(spec.serviceAccountName ?? ''));
    if (account.metadata?.annotations?.[ENFORCE_MOUNTABLE_SECRETS] === 'true') {
      const refused = secretReferenceError(account, spec);
      if (refused) throw admissionForbidden(a, refused);
    }
  }

  return {
    name: 'ServiceAccount',
    handles: (op) => op === 'CREATE',
    async admit(a) {
      if (ignored(a)) return undefined;
      const pod = a.object!;
      const spec = specOf(pod);
      // A mirror pod's spec is its kubelet's: it is checked, never changed.
      if (isMirrorPod(pod)) {
        validateMirrorPod(a, spec);
        return pod;
      }
      if (!spec.serviceAccountName) spec.serviceAccountName = DEFAULT_SERVICE_ACCOUNT_NAME;
      const account = await getServiceAccount(a, a.resource.namespace, spec.serviceAccountName);
      if (shouldAutomount(account, spec)) mountToken(spec, generateSuffix);
      const pullSecrets = (account as { imagePullSecrets?: { name?: string }[] }).imagePullSecrets ?? [];
      if (!(Array.isArray(spec.imagePullSecrets) && spec.imagePullSecrets.length) && pullSecrets.length) {
        spec.imagePullSecrets = pullSecrets.map((s) => ({ name: s?.name }));
      }
      return pod;
    },
    validate,
  };
}
