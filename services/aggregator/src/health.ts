// /healthz, /livez and /readyz with kube-apiserver's per-check paths, ?verbose and ?exclude. Besides a
// line per neighbour, kube's own names stand for the neighbour check that means the same: etcd (the
// registry), informer-sync (authz's RBAC cache has listed everything) and poststarthook/rbac/bootstrap-roles
// (the registry wrote the bootstrap policy and authz's cache has read it). The front door's own
// informers add kube's post-start hooks that wait for the same: crd-informer-synced and
// apiservice-registration-controller (the CRDs, and the APIServices with their Services and
// EndpointSlices, listed once).
import type { Backends } from './backends.js';

export interface HealthCheck {
  name: string;
  run(): Promise<void>;
}

export interface HealthAnswer {
  code: number;
  body: string;
}

const CACHE_MS = 1000;

export class HealthEndpoints {
  private readonly cache = new Map<string, { at: number; error?: string }>();
  /** The front door's own post-start hooks, in the order added. */
  private readonly hooks: HealthCheck[] = [];
  shuttingDown = false;

  constructor(private readonly backends: Backends) {}

  /**
   * A check of the front door's own, listed in /healthz and /readyz after the neighbours' (as kube
   * lists its post-start hooks): it fails with kube's `not finished` until `done` says so.
   */
  addCheck(name: string, done: () => boolean): void {
    this.hooks.push({
      name,
      run: async () => {
        if (!done()) throw new Error('not finished');
      },
    });
  }

  private checks(endpoint: string): HealthCheck[] {
    const ping: HealthCheck = { name: 'ping', run: async () => {} };
    if (endpoint === 'livez') return [ping];
    const deps = this.backends.dependencies.map((d) => ({ name: d.name, run: () => this.backends.check(d) }));
    const etcd: HealthCheck = { name: 'etcd', run: () => this.backends.check(this.backends.dependency('registry')) };
    const checks = [ping, etcd, ...(endpoint === 'readyz' ? [this.backendCheck('authz', 'informer-sync')] : []), ...deps];
    checks.push(this.backendCheck('authz', 'poststarthook/rbac/bootstrap-roles'), ...this.hooks);
    if (endpoint === 'readyz') {
      checks.push({
        name: 'shutdown',
        run: async () => {
          if (this.shuttingDown) throw new Error('process is shutting down');
        },
      });
    }
    return checks;
  }

  /** A check of one neighbour's, under the same name. */
  private backendCheck(neighbour: string, name: string): HealthCheck {
    return { name, run: () => this.backends.check(this.backends.dependency(neighbour), name) };
  }

  private async run(check: HealthCheck): Promise<string | undefined> {
    const cached = this.cache.get(check.name);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.error;
    let error: string | undefined;
    try {
      await check.run();
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    this.cache.set(check.name, { at: Date.now(), error });
    return error;
  }

  /** Answers `/<endpoint>` or `/<endpoint>/<check>`; undefined when the path names no check. */
  async answer(endpoint: string, checkName: string | undefined, query: URLSearchParams): Promise<HealthAnswer | undefined> {
    let checks = this.checks(endpoint);
    if (checkName) {
      checks = checks.filter((c) => c.name === checkName);
      if (checks.length === 0) return undefined;
      const error = await this.run(checks[0]);
      return error ? { code: 500, body: `internal server error: ${error}\n` } : { code: 200, body: 'ok' };
    }
    const excluded = new Set(query.getAll('exclude'));
    // The checks run together: one slow dependency must not add its time to every other one.
    const errors = await Promise.all(checks.map((c) => (excluded.has(c.name) ? undefined : this.run(c))));
    const lines: string[] = [];
    let failed = false;
    checks.forEach((c, i) => {
      if (excluded.has(c.name)) {
        lines.push(`[+]${c.name} excluded: ok`);
        return;
      }
      if (errors[i]) failed = true;
      lines.push(errors[i] ? `[-]${c.name} failed: reason withheld` : `[+]${c.name} ok`);
    });
    const verbose = query.has('verbose');
    if (failed) return { code: 500, body: `${lines.join('\n')}\n${endpoint} check failed\n` };
    return { code: 200, body: verbose ? `${lines.join('\n')}\n${endpoint} check passed\n` : 'ok' };
  }
}
