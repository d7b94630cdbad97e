// Keeps every ValidatingAdmissionPolicy's status.typeChecking current, as kube-controller-manager's
// validatingadmissionpolicy-status controller does: once per generation, each validation and
// messageExpression is type-checked against the schemas of the kinds the policy matches (and its
// params' kind), and the warnings are applied to the status subresource with the generation they
// describe (server-side apply, field manager `validatingadmissionpolicy-status`, forced).
//
// It follows etcd (a list of the policies, then a watch from that revision) and writes through the
// registry's own store, so it acts as the API server itself, never as a user. It runs on the
// registry's leader only (controllers.ts; KAPI_CONTROLLERS names it
// `validatingadmissionpolicy-status-controller`), following etcd afresh each term. A write names the
// resourceVersion it was computed from besides, so a replica that checked an older version (around a
// change of leader) meets a conflict and drops its write (the newer version's event brings the
// policy back), and two replicas writing the same status change nothing. A write that fails
// otherwise is tried again after a second.
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PolicyStatusController, type PolicyStatus, type PolicyStatusWriter, type TypeCheckingSources } from '@kapi/admission-policy';
import { isStatusError, type KubeObject } from '@kapi/api-machinery';
import { decodeStored, type GenericStore } from '@kapi/generic-registry';
import { equivalentResourceMapper, isCustomResourceStrategy, publishedKindSchema, storageKey, type KindCatalogue } from '@kapi/kinds';
import { builtinSchemas } from '@kapi/schema';
import { LOGGER } from '@kapi/service-kit';
import type { Logger } from '@kapi/telemetry';
import { EtcdPrefixFollow } from './etcd-follow.js';
import { POLICY_STATUS_CONTROLLER, runSelectedController } from './controllers.js';
import { EventPublisher } from './event-publisher.js';
import { Registry, SYSTEM_USER } from './registry.js';

const GROUP = 'admissionregistration.k8s.io';
/** kube's ControllerName: the field manager of what it writes. */
export const POLICY_STATUS_MANAGER = 'validatingadmissionpolicy-status';
const RETRY_MS = 1000;

/** A ValidatingAdmissionPolicy as type checking reads it. */
type Policy = Parameters<PolicyStatusWriter>[0];

/**
 * What type checking reads: the kinds a resource serves, from the catalogue, and their schemas: a
 * built-in kind's, or a custom resource's as its OpenAPI v3 document publishes it (kube's
 * controller reads the published documents, so a policy matching a custom resource is checked too).
 */
export function typeCheckingSources(catalogue: KindCatalogue): TypeCheckingSources {
  const schemas = builtinSchemas();
  const mapper = equivalentResourceMapper(catalogue);
  return {
    kindsFor: (resource) => {
      const kind = mapper.kindFor(resource, '');
      return kind ? [kind] : [];
    },
    schemaOf: (kind) => {
      const strategy = catalogue.byKind(kind);
      if (isCustomResourceStrategy(strategy)) {
        const published = publishedKindSchema(strategy.info, strategy.openApiSchema as Record<string, unknown> | undefined, strategy.selectableFieldPaths);
        return published as ReturnType<TypeCheckingSources['schemaOf']>;
      }
      return schemas.schemaOf(kind);
    },
    resolve: (ref) => schemas.definition(ref),
  };
}

/** The status applied to the policy version it was computed from (a newer one makes it a conflict). */
export function statusWriter(store: Pick<GenericStore, 'apply'>): PolicyStatusWriter {
  return async (policy: Policy, status: PolicyStatus): Promise<void> => {
    const name = policy.metadata?.name ?? '';
    const configuration: KubeObject = {
      apiVersion: `${GROUP}/v1`,
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name, resourceVersion: policy.metadata?.resourceVersion },
      // No warnings is `typeChecking: {}`, as kube stores it; applying it removes the warnings this manager applied before.
      status: { observedGeneration: status.observedGeneration, typeChecking: status.typeChecking },
    };
    await store.apply(undefined, name, configuration, { user: SYSTEM_USER, dryRun: false, fieldManager: POLICY_STATUS_MANAGER, force: true }, 'status');
  };
}

@Injectable()
export class ValidatingAdmissionPolicyStatus implements OnApplicationBootstrap, OnApplicationShutdown {
  /** The follow of the current term; none when not leading. */
  private follow?: EtcdPrefixFollow;
  private stopSelected?: () => Promise<void>;
  readonly controller: PolicyStatusController;
  private readonly prefix: string;

  constructor(
    private readonly registry: Registry,
    private readonly publisher: EventPublisher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const store = registry.store(GROUP, 'validatingadmissionpolicies');
    this.prefix = storageKey(store.info, undefined);
    const write = statusWriter(store);
    this.controller = new PolicyStatusController(typeCheckingSources(registry.catalogue), write, (name, err) => {
      // A newer version was written meanwhile: its own event brings the policy back; a policy that is gone needs nothing.
      if (isStatusError(err) && (err.httpCode === 409 || err.httpCode === 404)) return;
      this.logger.warn('cannot write the type checking of a ValidatingAdmissionPolicy; retrying', { policy: name, err });
      setTimeout(() => void this.retry(name), RETRY_MS).unref();
    });
  }

  onApplicationBootstrap(): void {
    this.stopSelected = runSelectedController(POLICY_STATUS_CONTROLLER, this.publisher.leadership, this, this.logger);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stopSelected?.();
  }

  /** A term begins: every policy, then each one written (a policy deleted needs nothing); a lost watch starts over. */
  start(): void {
    this.follow = new EtcdPrefixFollow(this.registry.backend, this.prefix, {
      listed: (policies) => policies.forEach((p) => this.controller.enqueue(p as Policy)),
      changed: (_name, policy) => {
        if (policy) this.controller.enqueue(policy as Policy);
      },
      lost: (err) => this.logger.warn('policy status controller lost etcd; starting over', { err }),
    });
    this.follow.start();
  }

  async stop(): Promise<void> {
    const follow = this.follow;
    this.follow = undefined;
    await follow?.stop();
  }

  /** Reads the policy afresh and checks it again. */
  private async retry(name: string): Promise<void> {
    if (!this.follow) return;
    const stored = await this.registry.storage.get(`${this.prefix}${name}`).catch(() => undefined);
    if (stored) this.controller.enqueue(decodeStored(stored) as Policy);
  }
}
