// The stores of every kind, wired to one storage backend and the admission service.
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { endpointSliceResolver, WebhookClients } from '@kapi/webhook-client';
import { forbidden, StatusError, type KubeObject } from '@kapi/api-machinery';
import type { ServiceConfig } from '@kapi/config';
import { decodeStored, GenericStore, kindStructure, type AdmissionHook, type AdmissionRequest, type StoreHooks } from '@kapi/generic-registry';
import { createClient, unary, type ServiceCredentials } from '@kapi/grpc';
import { crdNameOf, CRD_STORAGE_PREFIX, CustomResourceKinds, KindCatalogue, namespaceStrategy, servedStrategies, storageKey, type CustomResourceDefinition, type CustomResourceStrategy, type KindStrategy } from '@kapi/kinds';
import { admissionV1, authzV1 } from '@kapi/proto';
import { builtinSchemas } from '@kapi/schema';
import { CONFIG, CREDENTIALS } from '@kapi/service-kit';
import { EtcdBackend, readEtcdTls, type StorageBackend } from '@kapi/storage';
import { storeEndpointSource } from './store-endpoint-source.js';
import { bindingParamHooks, policyParamHooks } from './policy-param-authorization.js';
import { authzCheck, bindingEscalationHooks, roleEscalationHooks, type PolicyRule } from './rbac-escalation.js';
import { serviceAllocationHooks, serviceRangesFromEnv, type ServiceRanges } from './service-allocation.js';
import { serviceAddressRecords } from './service-ip-addresses.js';

export const SYSTEM_USER = { username: 'system:apiserver', uid: '', groups: ['system:masters'], extra: {} };

/**
 * The admission chain, reached over gRPC: the request as kube's admission.Attributes, and what
 * admission adds to the answer. A call serving a request with a deadline has that deadline, so
 * admission (its webhooks) knows how long it has, and nothing cuts the request short before it.
 */
export function grpcAdmissionHook(client: admissionV1.AdmissionClient): AdmissionHook {
  const json = (value: unknown) => (value === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(value)));
  const attributes = (r: AdmissionRequest): admissionV1.AdmissionAttributes => ({
    operation: r.operation,
    kind: r.kind,
    resource: { ...r.resource, namespace: r.namespace },
    subresource: r.subresource,
    name: r.name,
    object: json(r.object),
    oldObject: json(r.oldObject),
    user: r.user,
    dryRun: r.dryRun,
    options: json(r.options),
    uid: r.uid ?? '',
  });
  const check = (r: AdmissionRequest, reply: admissionV1.AdmissionReply) => {
    if (r.recorder) {
      r.recorder.warnings.push(...reply.warnings);
      Object.assign(r.recorder.auditAnnotations, reply.auditAnnotations);
    }
    if (!reply.allowed) throw StatusError.fromStatus(JSON.parse(reply.status.toString('utf8')));
  };
  return {
    async mutate(r) {
      const reply = await unary('admission', 'Mutate', client.mutate.bind(client), attributes(r), { deadline: r.deadline });
      check(r, reply);
      return reply.object.length ? (JSON.parse(reply.object.toString('utf8')) as KubeObject) : r.object;
    },
    async validate(r) {
      check(r, await unary('admission', 'Validate', client.validate.bind(client), attributes(r), { deadline: r.deadline }));
    },
  };
}

/**
 * A custom resource's store: while its CRD is being deleted it takes no new objects, whatever they
 * are (kube answers 403 before validating them).
 */
function customResourceHooks(strategy: CustomResourceStrategy): StoreHooks {
  return {
    refuseCreate: (obj) => {
      if (strategy.terminating) {
        throw forbidden(strategy.info, obj.metadata?.name ?? '', 'create not allowed while custom resource definition is terminating');
      }
    },
  };
}

@Injectable()
export class Registry implements OnApplicationShutdown {
  readonly backend: EtcdBackend;
  readonly catalogue: KindCatalogue;
  /**
   * The custom resources served, kept from the stored CRDs (CustomResourceDefinitionFollower); their
   * conversion webhooks are called with the admission webhooks' client, Services resolved from etcd.
   */
  readonly customResources: CustomResourceKinds;
  private readonly conversionWebhooks = new WebhookClients({ serviceResolver: endpointSliceResolver(storeEndpointSource(this)) });
  /** One store per built-in resource, its preferred version's (each object once, whatever version reads it). */
  private readonly stores = new Map<string, GenericStore>();
  /** A store per built-in resource and version served (autoscaling/v1 and v2 HorizontalPodAutoscalers). */
  private readonly versionStores = new Map<string, GenericStore>();
  /** A custom resource's store, per strategy: a CRD that changes gets a new strategy, and so a new store. */
  private readonly customStores = new WeakMap<KindStrategy, GenericStore>();
  private readonly admission: AdmissionHook;
  private readonly admissionClient: admissionV1.AdmissionClient;
  private readonly authzClient: authzV1.AuthorizationClient;
  readonly serviceRanges: ServiceRanges = serviceRangesFromEnv();

  constructor(@Inject(CONFIG) config: ServiceConfig, @Inject(CREDENTIALS) credentials: ServiceCredentials) {
    this.customResources = new CustomResourceKinds({ conversionTransport: this.conversionWebhooks });
    this.catalogue = new KindCatalogue(servedStrategies(config.runtimeConfig), this.customResources);
    this.backend = new EtcdBackend({ endpoints: config.etcdEndpoints, tls: readEtcdTls(config.etcdTls) });
    this.admissionClient = createClient(admissionV1.AdmissionClient, config.admissionAddrs, credentials.channelTo('admission'), 'admission');
    const admission = grpcAdmissionHook(this.admissionClient);
    this.admission = admission;

    this.authzClient = createClient(authzV1.AuthorizationClient, config.authzAddrs, credentials.channelTo('authz'), 'authz');
    const allowed = authzCheck(this.authzClient);
    const roleRules = async (kind: 'Role' | 'ClusterRole', namespace: string, name: string) => {
      try {
        const role = await this.store('rbac.authorization.k8s.io', kind === 'Role' ? 'roles' : 'clusterroles').get(namespace || undefined, name);
        return (role.rules as PolicyRule[] | undefined) ?? [];
      } catch (err) {
        if (err instanceof StatusError && err.httpCode === 404) return undefined;
        throw err;
      }
    };
    // Kinds whose writes need more than the object, for storage's sake (kube's BeginCreate, RBAC's
    // escalation check, the policies' param authorization): keyed by group/resource. Admission is the admission service's.
    const hooks: Record<string, StoreHooks> = {
      '/services': serviceAllocationHooks(this.backend, this.serviceRanges, serviceAddressRecords(() => this.store('networking.k8s.io', 'ipaddresses'), SYSTEM_USER)),
      'rbac.authorization.k8s.io/roles': roleEscalationHooks('roles', allowed),
      'rbac.authorization.k8s.io/clusterroles': roleEscalationHooks('clusterroles', allowed),
      'rbac.authorization.k8s.io/rolebindings': bindingEscalationHooks('rolebindings', allowed, roleRules),
      'rbac.authorization.k8s.io/clusterrolebindings': bindingEscalationHooks('clusterrolebindings', allowed, roleRules),
      // Pointing a policy at params needs the right to read them (kube's policy storage).
      'admissionregistration.k8s.io/validatingadmissionpolicies': policyParamHooks('ValidatingAdmissionPolicy', this.catalogue, allowed),
      'admissionregistration.k8s.io/validatingadmissionpolicybindings': bindingParamHooks('ValidatingAdmissionPolicyBinding', this.catalogue, allowed, (name) =>
        this.store('admissionregistration.k8s.io', 'validatingadmissionpolicies').get(undefined, name),
      ),
      'admissionregistration.k8s.io/mutatingadmissionpolicies': policyParamHooks('MutatingAdmissionPolicy', this.catalogue, allowed),
      'admissionregistration.k8s.io/mutatingadmissionpolicybindings': bindingParamHooks('MutatingAdmissionPolicyBinding', this.catalogue, allowed, (name) =>
        this.store('admissionregistration.k8s.io', 'mutatingadmissionpolicies').get(undefined, name),
      ),
    };
    for (const strategy of this.catalogue.strategies) {
      const key = `${strategy.info.group}/${strategy.info.resource}`;
      const store = new GenericStore(strategy, this.backend, admission, hooks[key]);
      // A resource served in several versions: the preferred one's store stands for the resource.
      if (!this.stores.has(key)) this.stores.set(key, store);
      this.versionStores.set(`${strategy.info.group}/${strategy.info.version}/${strategy.info.resource}`, store);
    }
    // Patches need the kinds' schemas (merge keys, pruning): load them now, not on the first patch.
    builtinSchemas();
  }

  get storage(): StorageBackend {
    return this.backend;
  }

  /** The store of a resource in `version` (without one, or for a version not served: its preferred or main version's). */
  store(group: string, resource: string, version?: string): GenericStore {
    const versioned = version !== undefined ? this.versionStores.get(`${group}/${version}/${resource}`) : undefined;
    const store = versioned ?? this.stores.get(`${group}/${resource}`) ?? this.customStore(group, resource, version);
    if (!store) throw new StatusError('KAPI_ERR_ROUTE_NOT_FOUND', 'the server could not find the requested resource', { group: group || undefined, kind: resource });
    return store;
  }

  private customStore(group: string, resource: string, version?: string): GenericStore | undefined {
    const strategy = this.customResources.lookup(group, resource, version);
    return strategy && this.storeFor(strategy);
  }

  /** The store of a custom resource's strategy (one per strategy, kept while the strategy is). */
  storeFor(strategy: CustomResourceStrategy): GenericStore {
    let store = this.customStores.get(strategy);
    if (!store) {
      store = new GenericStore(strategy, this.backend, this.admission, customResourceHooks(strategy), kindStructure(strategy.structure));
      this.customStores.set(strategy, store);
    }
    return store;
  }

  /**
   * The store of a resource, a custom resource's included even when its CRD was established a
   * moment ago and this replica's watch of CRDs has not brought it yet: the CRD is read from etcd
   * then, so a client that saw it Established is never told the resource does not exist.
   */
  async resolveStore(group: string, resource: string, version?: string): Promise<GenericStore> {
    if (!this.stores.has(`${group}/${resource}`) && !this.customResources.lookup(group, resource) && group) {
      const stored = await this.storage.get(`${CRD_STORAGE_PREFIX}${crdNameOf(group, resource)}`).catch(() => undefined);
      if (stored) this.customResources.update(decodeStored(stored) as CustomResourceDefinition);
    }
    return this.store(group, resource, version);
  }

  /** A store per custom resource served now (its main version's: each object once, whatever version reads it). */
  customResourceStores(): GenericStore[] {
    return this.customResources.storageStrategies().map((s) => this.storeFor(s));
  }

  get namespaces(): GenericStore {
    return this.store('', 'namespaces');
  }

  private bootstrapped = false;

  /**
   * Ready once what every cluster has from its first start exists (the default namespace and the
   * kubernetes Service), whichever replica created it; the lifecycle hooks that create them run
   * concurrently with the gRPC server's start. Once true it stays true. The RBAC bootstrap policy has
   * a check of its own, `poststarthook/rbac/bootstrap-roles` (Bootstrap).
   */
  async checkBootstrapped(): Promise<void> {
    if (this.bootstrapped) return;
    const missing: string[] = [];
    for (const [group, resource, ns, name] of [
      ['', 'namespaces', undefined, 'default'],
      ['', 'services', 'default', 'kubernetes'],
    ] as const) {
      if (!(await this.storage.get(storageKey(this.store(group, resource).info, ns, name)))) missing.push(`${resource} ${ns ? `${ns}/` : ''}${name}`);
    }
    if (missing.length) throw new Error(`bootstrap objects missing: ${missing.join(', ')}`);
    this.bootstrapped = true;
  }

  allStores(): GenericStore[] {
    return [...this.stores.values(), ...this.customResourceStores()];
  }

  namespacedStores(): GenericStore[] {
    return this.allStores().filter((s) => s.info.namespaced);
  }

  async onApplicationShutdown(): Promise<void> {
    this.admissionClient.close();
    this.authzClient.close();
    this.conversionWebhooks.close();
    await this.backend.close();
  }
}

export { namespaceStrategy };
