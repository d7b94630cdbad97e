// The stores of every kind, wired to one storage backend and the admission service.
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { forbidden, notFound, StatusError, type KubeObject } from '@kapi/api-machinery';
import type { ServiceConfig } from '@kapi/config';
import { GenericStore, type AdmissionHook, type AdmissionRequest, type StoreHooks } from '@kapi/generic-registry';
import { createClient, unary, type ServiceCredentials } from '@kapi/grpc';
import { KindCatalogue, namespaceStrategy, storageKey } from '@kapi/kinds';
import { admissionV1, authzV1 } from '@kapi/proto';
import { builtinSchemas } from '@kapi/schema';
import { CONFIG, CREDENTIALS } from '@kapi/service-kit';
import { EtcdBackend, readEtcdTls, type StorageBackend } from '@kapi/storage';
import { authzCheck, bindingEscalationHooks, roleEscalationHooks, type PolicyRule } from './rbac-escalation.js';
import { serviceAllocationHooks, serviceRangesFromEnv, type ServiceRanges } from './service-allocation.js';
import { podAdmissionHooks } from './pod-admission.js';

export const SYSTEM_USER = { username: 'system:apiserver', uid: '', groups: ['system:masters'], extra: {} };

/** The admission chain, reached over gRPC. */
export function grpcAdmissionHook(client: admissionV1.AdmissionClient): AdmissionHook {
  const attributes = (r: AdmissionRequest): admissionV1.AdmissionAttributes => ({
    operation: r.operation,
    kind: { group: r.info.group, version: r.info.version, kind: r.info.kind },
    resource: { group: r.info.group, version: r.info.version, resource: r.info.resource, namespace: r.namespace },
    subresource: r.subresource,
    name: r.name,
    object: r.object ? Buffer.from(JSON.stringify(r.object)) : Buffer.alloc(0),
    oldObject: r.oldObject ? Buffer.from(JSON.stringify(r.oldObject)) : Buffer.alloc(0),
    user: r.user,
    dryRun: r.dryRun,
    options: r.options ? Buffer.from(JSON.stringify(r.options)) : Buffer.alloc(0),
  });
  const check = (reply: admissionV1.AdmissionReply) => {
    if (!reply.allowed) throw StatusError.fromStatus(JSON.parse(reply.status.toString('utf8')));
  };
  return {
    async mutate(r) {
      const reply = await unary('admission', 'Mutate', client.mutate.bind(client), attributes(r));
      check(reply);
      return reply.object.length ? (JSON.parse(reply.object.toString('utf8')) as KubeObject) : r.object;
    },
    async validate(r) {
      check(await unary('admission', 'Validate', client.validate.bind(client), attributes(r)));
    },
  };
}

@Injectable()
export class Registry implements OnApplicationShutdown {
  readonly backend: EtcdBackend;
  readonly catalogue = new KindCatalogue();
  private readonly stores = new Map<string, GenericStore>();
  private readonly admissionClient: admissionV1.AdmissionClient;
  private readonly authzClient: authzV1.AuthorizationClient;
  readonly serviceRanges: ServiceRanges = serviceRangesFromEnv();

  constructor(@Inject(CONFIG) config: ServiceConfig, @Inject(CREDENTIALS) credentials: ServiceCredentials) {
    this.backend = new EtcdBackend({ endpoints: config.etcdEndpoints, tls: readEtcdTls(config.etcdTls) });
    this.admissionClient = createClient(admissionV1.AdmissionClient, config.admissionAddrs, credentials.channelTo('admission'), 'admission');
    const admission = grpcAdmissionHook(this.admissionClient);
    // Kinds whose writes need more than the object: keyed by group/resource.
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
    const hooks: Record<string, StoreHooks> = {
      '/services': serviceAllocationHooks(this.backend, this.serviceRanges),
      '/pods': podAdmissionHooks({ serviceAccounts: () => this.store('', 'serviceaccounts'), priorityClasses: () => this.store('scheduling.k8s.io', 'priorityclasses') }),
      'rbac.authorization.k8s.io/roles': roleEscalationHooks('roles', allowed),
      'rbac.authorization.k8s.io/clusterroles': roleEscalationHooks('clusterroles', allowed),
      'rbac.authorization.k8s.io/rolebindings': bindingEscalationHooks('rolebindings', allowed, roleRules),
      'rbac.authorization.k8s.io/clusterrolebindings': bindingEscalationHooks('clusterrolebindings', allowed, roleRules),
    };
    for (const strategy of this.catalogue.strategies) {
      const key = `${strategy.info.group}/${strategy.info.resource}`;
      this.stores.set(key, new GenericStore(strategy, this.backend, admission, (ns, gr, name) => this.guardNamespace(ns, gr, name), hooks[key]));
    }
    // Patches need the kinds' schemas (merge keys, pruning): load them now, not on the first patch.
    builtinSchemas();
  }

  get storage(): StorageBackend {
    return this.backend;
  }

  store(group: string, resource: string): GenericStore {
    const store = this.stores.get(`${group}/${resource}`);
    if (!store) throw new StatusError('KAPI_ERR_ROUTE_NOT_FOUND', 'the server could not find the requested resource', { group: group || undefined, kind: resource });
    return store;
  }

  get namespaces(): GenericStore {
    return this.store('', 'namespaces');
  }

  /** No new content in a namespace that does not exist or is being deleted (kube's NamespaceLifecycle). */
  private async guardNamespace(namespace: string, gr: { group: string; resource: string }, name: string): Promise<void> {
    let ns: KubeObject;
    try {
      ns = await this.namespaces.get(undefined, namespace);
    } catch (err) {
      if (err instanceof StatusError && err.httpCode === 404) throw notFound({ group: '', resource: 'namespaces' }, namespace);
      throw err;
    }
    if (ns.metadata?.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating') {
      const err = forbidden(gr, name, `unable to create new content in namespace ${namespace} because it is being terminated`);
      throw new StatusError('KAPI_ERR_NAMESPACE_TERMINATING', err.message, {
        ...err.details,
        causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is terminating`, field: 'metadata.namespace' }],
      });
    }
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
    return [...this.stores.values()];
  }

  namespacedStores(): GenericStore[] {
    return [...this.stores.values()].filter((s) => s.info.namespaced);
  }

  async onApplicationShutdown(): Promise<void> {
    this.admissionClient.close();
    this.authzClient.close();
    await this.backend.close();
  }
}

export { namespaceStrategy };
