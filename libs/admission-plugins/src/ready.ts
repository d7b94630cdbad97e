// kube's admission.Handler.WaitForReady: a plugin that reads informers waits for their first list
// (at most ten seconds) before it decides, and refuses while they have none.
import type { AdmissionAttributes } from '@kapi/admission-chain';
import { admissionForbidden } from './admission-errors.js';

export interface Syncable {
  readonly synced: boolean;
  waitUntilSynced(timeoutMs: number): Promise<boolean>;
}

const READY_TIMEOUT_MS = 10_000;

/** Resolves once every informer has listed; throws kube's 403 `not yet ready to handle request` after the wait. */
export async function waitForReady(a: AdmissionAttributes, informers: readonly Syncable[], timeoutMs = READY_TIMEOUT_MS): Promise<void> {
  for (const informer of informers) {
    if (informer.synced) continue;
    if (!(await informer.waitUntilSynced(timeoutMs))) throw admissionForbidden(a, 'not yet ready to handle request');
  }
}
