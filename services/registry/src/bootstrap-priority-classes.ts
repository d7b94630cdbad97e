// The system PriorityClasses every cluster has (system-node-critical, system-cluster-critical),
// created at start as kube-apiserver's scheduling post-start hook does. A create is "key absent", so
// replicas starting together create each class once; one that exists is left as it is.
import { Inject, Injectable } from '@nestjs/common';
import type { KubeObject } from '@kapi/api-machinery';
import { SYSTEM_PRIORITY_CLASSES } from '@kapi/kinds';
import { LOGGER } from '@kapi/service-kit';
import type { Logger } from '@kapi/telemetry';
import { Registry, SYSTEM_USER } from './registry.js';
import { ensureObjects, RetryingBootstrap } from './retrying-bootstrap.js';

export function systemPriorityClassObjects(): KubeObject[] {
  return SYSTEM_PRIORITY_CLASSES.map(({ name, value, description }) => ({
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name },
    value,
    description,
  }));
}

/** Creates the classes that are missing; resolves to the names it created. Throws on anything but "exists". */
export function ensureSystemPriorityClasses(create: (obj: KubeObject) => Promise<unknown>): Promise<string[]> {
  return ensureObjects(systemPriorityClassObjects(), create);
}

@Injectable()
export class BootstrapPriorityClasses extends RetryingBootstrap {
  constructor(
    private readonly registry: Registry,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    super();
  }

  protected async attempt(logFailure: boolean): Promise<boolean> {
    const store = this.registry.store('scheduling.k8s.io', 'priorityclasses');
    try {
      const created = await ensureSystemPriorityClasses((obj) => store.create(undefined, obj, { user: SYSTEM_USER, dryRun: false, fieldManager: 'kube-apiserver' }));
      for (const name of created) this.logger.info('created system priority class', { name });
      return true;
    } catch (err) {
      if (logFailure) this.logger.warn('cannot create the system priority classes yet; retrying', { err });
      return false;
    }
  }
}
