// What a built-in plugin is given to reach the cluster (kube's plugin initializers: informers, a
// client, an authorizer), as small interfaces the admission service implements and tests fake.
import type { UserInfoLike } from '@kapi/admission-chain';
import type { AuthzDecision, AuthzRequest } from '@kapi/cel';
import type { KubeObject } from '@kapi/api-machinery';
import type { Informer, ObjectLike, ResourceRef } from '@kapi/informer';
import type { AdmissionSettings } from './settings.js';

/** Shared informers: one watch-fed copy per resource, read without a round trip. */
export interface InformerSource {
  informerFor<T extends ObjectLike = KubeObject>(resource: ResourceRef): Informer<T>;
}

/**
 * Live reads through the registry, for what a plugin must see fresh (kube's clientset): a
 * namespace its informer has not seen yet, a ServiceAccount created a moment ago.
 */
export interface ApiReader {
  /** The object, or undefined when there is none (404). */
  get(resource: ResourceRef, namespace: string, name: string): Promise<KubeObject | undefined>;
  /** Every object of a namespace ('' for a cluster-scoped resource). */
  list(resource: ResourceRef, namespace: string): Promise<KubeObject[]>;
}

export interface AuthorizationQuestion {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}


/** What a user may do, asked of the authorization chain (the authz service). */
export interface SubjectAuthorizer {
  /** Whether it is allowed (an Allow), for plugins that ask (CSR approval and signing). */
  allowed(user: UserInfoLike, question: AuthorizationQuestion): Promise<boolean>;
  /**
   * The decision with its reason, for a whole request as CEL's `authorizer` builds it (policies and
   * match conditions: `authorizer.….check(verb)` reads both).
   */
  decide(request: AuthzRequest): Promise<AuthzDecision>;
}

/**
 * Where ResourceQuota records what a namespace now uses (kube's plugin writes the quota's status
 * through its loopback client): status.used replaced, and nothing else, if the quota is still at
 * `resourceVersion` (409 Conflict otherwise). Answers the quota as stored.
 */
export interface QuotaStatusWriter {
  updateUsed(namespace: string, name: string, resourceVersion: string, used: Record<string, string>): Promise<KubeObject>;
}

export interface PluginContext {
  informers: InformerSource;
  api: ApiReader;
  authorizer: SubjectAuthorizer;
  settings: AdmissionSettings;
  /** ResourceQuota's one write; a chain without ResourceQuota needs none. */
  quotaStatus?: QuotaStatusWriter;
  /** The clock plugins read (EventRateLimit's buckets); tests set it. */
  now?: () => number;
}

/** The resources built-in plugins read, by the name kube's informers give them. */
export const RESOURCES = {
  namespaces: { group: '', version: 'v1', resource: 'namespaces' },
  serviceAccounts: { group: '', version: 'v1', resource: 'serviceaccounts' },
  limitRanges: { group: '', version: 'v1', resource: 'limitranges' },
  pods: { group: '', version: 'v1', resource: 'pods' },
  nodes: { group: '', version: 'v1', resource: 'nodes' },
  persistentVolumeClaims: { group: '', version: 'v1', resource: 'persistentvolumeclaims' },
  priorityClasses: { group: 'scheduling.k8s.io', version: 'v1', resource: 'priorityclasses' },
  storageClasses: { group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses' },
  ingressClasses: { group: 'networking.k8s.io', version: 'v1', resource: 'ingressclasses' },
  runtimeClasses: { group: 'node.k8s.io', version: 'v1', resource: 'runtimeclasses' },
  resourceQuotas: { group: '', version: 'v1', resource: 'resourcequotas' },
} as const satisfies Record<string, ResourceRef>;
