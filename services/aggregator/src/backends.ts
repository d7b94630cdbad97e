// The front door's neighbours, one balanced gRPC channel each.
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { ServiceConfig } from '@kapi/config';
import { createClient, unary, type ServiceCredentials } from '@kapi/grpc';
import { authnV1, authzV1, healthV1, registryV1, watchcacheV1 } from '@kapi/proto';
import { CONFIG, CREDENTIALS } from '@kapi/service-kit';

export interface Dependency {
  name: string;
  health: healthV1.HealthClient;
  /**
   * Whether the front door is ready only while this neighbour is, or while it answers. The watch
   * cache answering is enough: kube-apiserver stays ready while its watch cache initialises (lists
   * are then read from etcd or refused with 429, watches wait), and writes and reads go on, so a
   * lost event stream must not take every front door out of the load balancer. At start,
   * informer-sync already waits for a synchronised replica: authz lists RBAC through one.
   */
  readyWhenAnswering: boolean;
}

/** How many replicas a readiness check asks before it believes a neighbour is not ready. */
const READY_ASKS = 3;

/** Why one replica's answer does not make the neighbour ready, or undefined when it does. */
function notReadyReason(dep: Dependency, reply: healthV1.CheckReply, only?: string): string | undefined {
  if (only !== undefined) {
    const check = reply.checks.find((c) => c.name === only);
    if (!check) return `${dep.name} has no check named ${only}`;
    return check.ok ? undefined : `${only}: ${check.message}`;
  }
  if (reply.ready || dep.readyWhenAnswering) return undefined;
  return reply.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.message}`).join('; ') || 'not ready';
}

@Injectable()
export class Backends implements OnApplicationShutdown {
  readonly authn: authnV1.AuthenticationClient;
  readonly authz: authzV1.AuthorizationClient;
  readonly registry: registryV1.RegistryClient;
  readonly watchCache: watchcacheV1.WatchCacheClient;
  readonly dependencies: Dependency[];

  constructor(@Inject(CONFIG) config: ServiceConfig, @Inject(CREDENTIALS) credentials: ServiceCredentials) {
    const client = <C>(Ctor: Parameters<typeof createClient<C>>[0], addresses: string[], peer: string) => createClient(Ctor, addresses, credentials.channelTo(peer), peer);
    this.authn = client(authnV1.AuthenticationClient, config.authnAddrs, 'authn');
    this.authz = client(authzV1.AuthorizationClient, config.authzAddrs, 'authz');
    this.registry = client(registryV1.RegistryClient, config.registryAddrs, 'registry');
    this.watchCache = client(watchcacheV1.WatchCacheClient, config.watchCacheAddrs, 'watch-cache');
    this.dependencies = (
      [
        ['authn', config.authnAddrs],
        ['authz', config.authzAddrs],
        ['admission', config.admissionAddrs],
        ['registry', config.registryAddrs],
        ['watch-cache', config.watchCacheAddrs],
      ] as const
    ).map(([name, addrs]) => ({ name, health: client(healthV1.HealthClient, addrs, name), readyWhenAnswering: name === 'watch-cache' }));
  }

  /** The neighbour of that name. */
  dependency(name: string): Dependency {
    const dep = this.dependencies.find((d) => d.name === name);
    if (!dep) throw new Error(`no neighbour named ${name}`);
    return dep;
  }

  /**
   * Asks a neighbour whether it is ready (or only answering, for one that need not be), or only
   * whether its check named `only` passes; throws with its reason when not. Each call reaches one
   * replica, and one ready replica is enough (the front door's calls go to another when one cannot
   * serve), so a replica that says no is followed by asking the next, up to READY_ASKS in all.
   */
  async check(dep: Dependency, only?: string): Promise<void> {
    let reason = '';
    for (let asked = 0; asked < READY_ASKS; asked++) {
      const reply = await unary(dep.name, 'Check', dep.health.check.bind(dep.health), {}, { timeoutMs: 2000, waitForReplica: false });
      reason = notReadyReason(dep, reply, only) ?? '';
      if (!reason) return;
    }
    throw new Error(reason);
  }

  onApplicationShutdown(): void {
    for (const c of [this.authn, this.authz, this.registry, this.watchCache, ...this.dependencies.map((d) => d.health)]) c.close();
  }
}
