// What a service cannot start without (etcd, NATS) is waited for at start, since the stack or a
// Deployment may start them together, but only up to a deadline: then the start fails with one
// line naming the dependency, where it was looked for and why it did not answer, instead of a
// service that retries forever and looks alive.

export interface StartupDependency {
  /** What it is, as people call it: `etcd`, `NATS`. */
  name: string;
  /** Where it was looked for, as configured. */
  address: string;
  /** Resolves once the dependency answers; rejects with why it did not. */
  probe(): Promise<void>;
}

export interface UnreachableDependency {
  dependency: StartupDependency;
  cause: string;
}

export class DependencyUnreachableError extends Error {
  constructor(
    readonly unreachable: UnreachableDependency[],
    waitedMs: number,
  ) {
    const each = unreachable.map(({ dependency, cause }) => `${dependency.name} at ${dependency.address} is unreachable (${cause})`);
    super(`${each.join(', ')}; gave up after ${Math.round(waitedMs / 1000)}s`);
    this.name = 'DependencyUnreachableError';
  }
}

export interface AwaitDependenciesOptions {
  timeoutMs: number;
  retryMs?: number;
  /** Called once per dependency the first time it does not answer, so a slow start is explained in the log. */
  onWaiting?: (dependency: StartupDependency, cause: string) => void;
}

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));

function withinMs<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${Math.max(1, Math.round(ms / 1000))}s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves to undefined once the dependency answers, or to why it did not by the deadline. */
async function awaitOne(dependency: StartupDependency, options: AwaitDependenciesOptions, startedAt: number): Promise<string | undefined> {
  const retryMs = options.retryMs ?? 500;
  let reported = false;
  for (;;) {
    const remaining = startedAt + options.timeoutMs - Date.now();
    let cause: string;
    try {
      await withinMs(dependency.probe(), Math.max(1, Math.min(remaining, 5000)));
      return undefined;
    } catch (err) {
      cause = describe(err);
    }
    if (Date.now() + retryMs >= startedAt + options.timeoutMs) return cause;
    if (!reported) options.onWaiting?.(dependency, cause);
    reported = true;
    await new Promise((resolve) => setTimeout(resolve, retryMs));
  }
}

/** Resolves once every dependency answers; rejects naming every one that did not within the deadline. */
export async function awaitDependencies(dependencies: StartupDependency[], options: AwaitDependenciesOptions): Promise<void> {
  const startedAt = Date.now();
  const causes = await Promise.all(dependencies.map((dependency) => awaitOne(dependency, options, startedAt)));
  const unreachable = dependencies.flatMap((dependency, i) => (causes[i] === undefined ? [] : [{ dependency, cause: causes[i] }]));
  if (unreachable.length > 0) throw new DependencyUnreachableError(unreachable, Date.now() - startedAt);
}
