// The platform objects kube-apiserver keeps from its start: a local APIService for every built-in
// group/version it serves (the aggregator's autoregistration, label `automanaged: onstart`), and
// API Priority and Fairness' mandatory and suggested configuration. Each is created when absent and
// otherwise left as it is, as kube does for objects an operator may have changed. The local
// APIServices derive from the kind catalogue, so a kind added there is announced here too.
import { Inject, Injectable } from '@nestjs/common';
import { nowTimestamp, type KubeObject } from '@kapi/api-machinery';
import {
  KindCatalogue,
  localApiServices,
  MANDATORY_FLOW_SCHEMAS,
  MANDATORY_PRIORITY_LEVELS,
  SUGGESTED_FLOW_SCHEMAS,
  SUGGESTED_PRIORITY_LEVELS,
} from '@kapi/kinds';
import { LOGGER } from '@kapi/service-kit';
import type { Logger } from '@kapi/telemetry';
import { Registry, SYSTEM_USER } from './registry.js';
import { ensureObjects, RetryingBootstrap } from './retrying-bootstrap.js';

export interface BootstrapSet {
  group: string;
  resource: string;
  objects: KubeObject[];
}

const FLOWCONTROL = 'flowcontrol.apiserver.k8s.io';

/** What to create, in order: priority levels before the flow schemas that name them. */
export function platformBootstrapSets(catalogue: KindCatalogue): BootstrapSet[] {
  return [
    { group: 'apiregistration.k8s.io', resource: 'apiservices', objects: localApiServices(catalogue.groupVersions()) },
    { group: FLOWCONTROL, resource: 'prioritylevelconfigurations', objects: [...MANDATORY_PRIORITY_LEVELS, ...SUGGESTED_PRIORITY_LEVELS] },
    { group: FLOWCONTROL, resource: 'flowschemas', objects: [...MANDATORY_FLOW_SCHEMAS, ...SUGGESTED_FLOW_SCHEMAS] },
  ];
}

/**
 * The status kube's APF configuration controller gives a flow schema whose priority level exists:
 * Dangling False.
 */
export function notDanglingStatus(flowSchema: KubeObject): KubeObject {
  const level = (flowSchema.spec as { priorityLevelConfiguration?: { name?: string } } | undefined)?.priorityLevelConfiguration?.name ?? '';
  return {
    ...flowSchema,
    status: {
      conditions: [
        {
          type: 'Dangling',
          status: 'False',
          lastTransitionTime: nowTimestamp(),
          reason: 'Found',
          message: `This FlowSchema references the PriorityLevelConfiguration object named ${JSON.stringify(level)} and it exists`,
        },
      ],
    },
  };
}

@Injectable()
export class BootstrapPlatform extends RetryingBootstrap {
  constructor(
    private readonly registry: Registry,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    super();
  }

  protected async attempt(logFailure: boolean): Promise<boolean> {
    const ctx = { user: SYSTEM_USER, dryRun: false, fieldManager: 'kube-apiserver' };
    try {
      for (const set of platformBootstrapSets(this.registry.catalogue)) {
        const store = this.registry.store(set.group, set.resource);
        const created = await ensureObjects(set.objects, async (obj) => {
          const stored = await store.create(undefined, obj, ctx);
          if (set.resource === 'flowschemas') await store.update(undefined, stored.metadata!.name!, notDanglingStatus(stored), ctx, 'status');
        });
        for (const name of created) this.logger.info('created bootstrap object', { resource: set.resource, name });
      }
      return true;
    } catch (err) {
      if (logFailure) this.logger.warn('cannot create the platform bootstrap objects yet; retrying', { err });
      return false;
    }
  }
}
