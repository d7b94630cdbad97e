// The system PriorityClasses every cluster has (system-node-critical, system-cluster-critical),
// created at start as kube-apiserver's scheduling post-start hook does. A create is "key absent", so
// replicas starting together create each class once; one that exists is left as it is.
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { isStatusError, type KubeObject } from '@kapi/api-machinery';
import { SYSTEM_PRIORITY_CLASSES } from '@kapi/kinds';
import { LOGGER } from '@kapi/service-kit';
import type { Logger } from '@kapi/telemetry';
import { Registry, SYSTEM_USER } from './registry.js';

const FIRST_ATTEMPTS = 60;
const FIRST_RETRY_MS = 500;
const LATER_RETRY_MS = 5000;

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
export async function ensureSystemPriorityClasses(create: (obj: KubeObject) => Promise<unknown>): Promise<string[]> {
  const created: string[] = [];
  for (const obj of systemPriorityClassObjects()) {
    try {
      await create(obj);
      created.push(obj.metadata!.name!);
    } catch (err) {
      if (isStatusError(err) && err.httpCode === 409) continue;
      throw err;
    }
  }
  return created;
}

@Injectable()
export class BootstrapPriorityClasses implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopped = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly registry: Registry,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Tries for a while at start (etcd or admission may still be coming up), then keeps trying in the background. */
  async onApplicationBootstrap(): Promise<void> {
    for (let attempt = 0; attempt < FIRST_ATTEMPTS && !this.stopped; attempt++) {
      if (await this.attempt(attempt === FIRST_ATTEMPTS - 1)) return;
      await new Promise((r) => setTimeout(r, FIRST_RETRY_MS));
    }
    this.retryLater();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private retryLater(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.attempt(true).then((done) => done || this.retryLater());
    }, LATER_RETRY_MS);
  }

  private async attempt(logFailure: boolean): Promise<boolean> {
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
