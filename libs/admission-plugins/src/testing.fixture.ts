// What the plugins' specs build their requests and cluster from: attributes as the admission service
// makes them, and a PluginContext whose informers, live reads and authorizer hold what a test gives.
import type { AdmissionAttributes, Operation } from '@kapi/admission-chain';
import { isStatusError, type KubeObject, type StatusError } from '@kapi/api-machinery';
import { Informer, resourceKey, type ObjectLike, type ResourceRef } from '@kapi/informer';
import type { AuthorizationQuestion, PluginContext, QuotaStatusWriter } from './context.js';
import type { AdmissionSettings } from './settings.js';

export const ADMIN = { username: 'admin', uid: 'admin-uid', groups: ['system:masters', 'system:authenticated'] };

const KINDS: Record<string, [group: string, kind: string]> = {
  pods: ['', 'Pod'],
  nodes: ['', 'Node'],
  namespaces: ['', 'Namespace'],
  configmaps: ['', 'ConfigMap'],
  events: ['', 'Event'],
  persistentvolumes: ['', 'PersistentVolume'],
  persistentvolumeclaims: ['', 'PersistentVolumeClaim'],
  serviceaccounts: ['', 'ServiceAccount'],
  priorityclasses: ['scheduling.k8s.io', 'PriorityClass'],
  ingresses: ['networking.k8s.io', 'Ingress'],
  certificatesigningrequests: ['certificates.k8s.io', 'CertificateSigningRequest'],
  clustertrustbundles: ['certificates.k8s.io', 'ClusterTrustBundle'],
  leases: ['coordination.k8s.io', 'Lease'],
  csinodes: ['storage.k8s.io', 'CSINode'],
  resourceslices: ['resource.k8s.io', 'ResourceSlice'],
};

/** A request as the registry describes it; the kind follows from the resource unless given. */
export function attributes(operation: Operation, resource: string, fields: Partial<AdmissionAttributes> & { namespace?: string } = {}): AdmissionAttributes {
  const [group, kind] = KINDS[resource] ?? ['', resource];
  const { namespace = '', ...rest } = fields;
  return {
    operation,
    kind: { group, version: 'v1', kind },
    resource: { group, version: 'v1', resource, namespace },
    subresource: '',
    name: fields.object?.metadata?.name ?? '',
    user: ADMIN,
    dryRun: false,
    ...rest,
  };
}

export interface FakeCluster {
  /** What informers hold, by resource (e.g. `namespaces`, `priorityclasses.scheduling.k8s.io`). */
  cached?: Record<string, KubeObject[]>;
  /** What live reads find, by resource; defaults to what the informers hold. */
  live?: Record<string, KubeObject[]>;
  /** Informers that never sync. */
  unsynced?: string[];
  allowed?: (user: { username: string }, q: AuthorizationQuestion) => boolean;
  settings?: Partial<AdmissionSettings>;
  now?: () => number;
  /** ResourceQuota's writes; by default each is recorded and answered with the quota at the next resourceVersion. */
  quotaStatus?: QuotaStatusWriter;
}

export interface FakeContext extends PluginContext {
  liveReads: string[];
  /** What ResourceQuota wrote: `namespace/name@resourceVersion` and the usage. */
  quotaWrites: { quota: string; used: Record<string, string> }[];
  questions: AuthorizationQuestion[];
  informer(key: string): Informer;
}

export function fakeContext(cluster: FakeCluster = {}): FakeContext {
  const informers = new Map<string, Informer>();
  const liveReads: string[] = [];
  const questions: AuthorizationQuestion[] = [];
  const informerFor = <T extends ObjectLike>(ref: ResourceRef): Informer<T> => {
    const key = resourceKey(ref);
    let informer = informers.get(key);
    if (!informer) {
      const synced = !(cluster.unsynced ?? []).includes(key);
      informer = new Informer(ref, { synced, waitUntilSynced: async () => synced });
      informer.replace(key, cluster.cached?.[key] ?? []);
      informers.set(key, informer);
    }
    return informer as unknown as Informer<T>;
  };
  const liveOf = (key: string) => cluster.live?.[key] ?? cluster.cached?.[key] ?? [];
  const quotaWrites: FakeContext['quotaWrites'] = [];
  const recordingWriter: QuotaStatusWriter = {
    async updateUsed(namespace, name, resourceVersion, used) {
      quotaWrites.push({ quota: `${namespace}/${name}@${resourceVersion}`, used });
      const stored = liveOf('resourcequotas').find((q) => q.metadata?.namespace === namespace && q.metadata?.name === name) ?? { metadata: { namespace, name } };
      return { ...stored, metadata: { ...stored.metadata, resourceVersion: String(Number(resourceVersion) + 1) }, status: { ...(stored.status as object), used } };
    },
  };
  return {
    informers: { informerFor },
    api: {
      async get(ref, namespace, name) {
        liveReads.push(`get ${resourceKey(ref)} ${namespace}/${name}`);
        return liveOf(resourceKey(ref)).find((o) => (o.metadata?.namespace ?? '') === namespace && o.metadata?.name === name);
      },
      async list(ref, namespace) {
        liveReads.push(`list ${resourceKey(ref)} ${namespace}`);
        return liveOf(resourceKey(ref)).filter((o) => (o.metadata?.namespace ?? '') === namespace);
      },
    },
    authorizer: {
      async allowed(user, q) {
        questions.push(q);
        return cluster.allowed?.(user, q) ?? false;
      },
      async decide({ user, ...q }) {
        const allowed = cluster.allowed?.(user, { ...q, group: q.group ?? '', resource: q.resource ?? '' }) ?? false;
        return allowed ? { decision: 'Allow', reason: '' } : { decision: 'NoOpinion', reason: '' };
      },
    },
    settings: {
      enable: [],
      disable: [],
      defaultNotReadyTolerationSeconds: 300,
      defaultUnreachableTolerationSeconds: 300,
      pluginConfig: () => undefined,
      ...cluster.settings,
    },
    now: cluster.now,
    quotaStatus: cluster.quotaStatus ?? recordingWriter,
    quotaWrites,
    liveReads,
    questions,
    informer: (key) => informers.get(key)!,
  };
}

/** The Status a refused call carries: [code, reason, message]. */
export async function refusal(promise: Promise<unknown>): Promise<[number, string, string]> {
  try {
    await promise;
  } catch (err) {
    if (!isStatusError(err)) throw err;
    const e = err as StatusError;
    return [e.httpCode, e.reason, e.message];
  }
  throw new Error('expected a refusal');
}
