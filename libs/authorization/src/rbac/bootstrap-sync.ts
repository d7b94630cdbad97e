// Readiness of an RBAC cache against kube's bootstrap policy, as kube-apiserver's /readyz waits for
// poststarthook/rbac/bootstrap-roles and for its informers: ready once the policy is written and the
// cache has read, in each RBAC resource, as far as the newest bootstrap object of that resource. The
// writer says how far that is (a revision per resource), so no list of names is repeated here.
// Only readiness waits on this; the cache itself lists and watches regardless.
import type { RbacRevisions } from './reflector.js';

export interface RbacCacheProgress {
  /** The resources not read as far as `targets` asks, described; empty when none is behind. */
  behind(targets: RbacRevisions): string[];
}

/** How far a cache must read to hold the bootstrap policy; throws while the policy is not written yet. */
export type BootstrapRevisions = () => Promise<RbacRevisions>;

export class BootstrapRolesSync {
  private targets?: RbacRevisions;
  private reached = false;

  constructor(
    private readonly cache: RbacCacheProgress,
    private readonly bootstrapRevisions: BootstrapRevisions,
  ) {}

  /** Resolves once the cache holds the whole bootstrap policy, and from then on; throws with the reason until then. */
  async check(): Promise<void> {
    if (this.reached) return;
    // The policy's revisions do not change once it is written: asked until answered, then kept.
    this.targets ??= await this.bootstrapRevisions();
    const behind = this.cache.behind(this.targets);
    if (behind.length) throw new Error(`the RBAC cache has not read the bootstrap policy yet: ${behind.join(', ')}`);
    this.reached = true;
  }
}
