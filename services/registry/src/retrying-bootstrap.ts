// The start-up pattern of objects the registry creates when absent: try for a while at start (etcd
// or admission may still be coming up), then keep trying in the background until it succeeds.
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { isStatusError, type KubeObject } from '@kapi/api-machinery';

const FIRST_ATTEMPTS = 60;
const FIRST_RETRY_MS = 500;
const LATER_RETRY_MS = 5000;

export abstract class RetryingBootstrap implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopped = false;
  private timer?: NodeJS.Timeout;

  /** One try; true when done. `logFailure` says whether a failure is worth a log line. */
  protected abstract attempt(logFailure: boolean): Promise<boolean>;

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
}

/** Creates the objects that are missing; resolves to the names it created. Throws on anything but "exists". */
export async function ensureObjects(objects: KubeObject[], create: (obj: KubeObject) => Promise<unknown>): Promise<string[]> {
  const created: string[] = [];
  for (const obj of objects) {
    try {
      await create(structuredClone(obj));
      created.push(obj.metadata!.name!);
    } catch (err) {
      if (isStatusError(err) && err.httpCode === 409) continue;
      throw err;
    }
  }
  return created;
}
