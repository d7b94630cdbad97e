// Reinvocation, as kube-apiserver does it (admission/reinvocation.go and the mutating webhook's
// reinvocationcontext.go). The chain runs every mutating plugin once; when a webhook changed the
// object it runs them all a second time, and in that round the webhook plugin calls again only the
// webhooks with `reinvocationPolicy: IfNeeded` that ran before a change (a later webhook's patch,
// or a built-in plugin's change seen between the webhook plugin's two runs). Nothing runs a third time.
import type { AdmissionAttributes } from '@kapi/admission-chain';
import { deepClone, deepEqual, type KubeObject } from '@kapi/api-machinery';

/** kube's admission.ReinvocationContext: one per request, kept by whoever runs the mutating plugins. */
export interface ReinvocationContext {
  /** Whether this is the second run of the mutating plugins. */
  isReinvoke(): boolean;
  setIsReinvoke(): void;
  /** Whether a plugin asked for the second run. */
  shouldReinvoke(): boolean;
  setShouldReinvoke(): void;
  /** A plugin's own state across the two runs, under its name. */
  value(key: string): unknown;
  setValue(key: string, value: unknown): void;
}

/**
 * The attributes the webhook plugins read: AdmissionAttributes, with the request's reinvocation
 * context when the chain reinvokes (see `admitWithReinvocation`). Without one, the mutating webhook
 * plugin runs the second round of its own webhooks itself, right after the first.
 */
export type WebhookAdmissionAttributes = AdmissionAttributes & { reinvocation?: ReinvocationContext };

export class RequestReinvocationContext implements ReinvocationContext {
  private reinvoking = false;
  private requested = false;
  private readonly values = new Map<string, unknown>();

  isReinvoke(): boolean {
    return this.reinvoking;
  }
  setIsReinvoke(): void {
    this.reinvoking = true;
  }
  shouldReinvoke(): boolean {
    return this.requested;
  }
  setShouldReinvoke(): void {
    this.requested = true;
  }
  value(key: string): unknown {
    return this.values.get(key);
  }
  setValue(key: string, value: unknown): void {
    this.values.set(key, value);
  }
}

/**
 * kube's reinvoker for a chain: runs `mutate` (every mutating plugin) with a fresh context and, when
 * a plugin asked for it, once more on the result. What the admission chain does to reinvoke.
 */
export async function admitWithReinvocation(
  attributes: AdmissionAttributes,
  mutate: (attributes: WebhookAdmissionAttributes) => Promise<KubeObject | undefined>,
): Promise<KubeObject | undefined> {
  const reinvocation = new RequestReinvocationContext();
  const first = await mutate({ ...attributes, reinvocation });
  if (!reinvocation.shouldReinvoke()) return first;
  reinvocation.setIsReinvoke();
  return mutate({ ...attributes, object: first ?? attributes.object, reinvocation });
}

/** What the mutating webhook plugin remembers between the two runs (kube's webhookReinvokeContext). */
export class WebhookReinvocationState {
  private lastOutput: KubeObject | undefined;
  private previouslyInvoked = new Set<string>();
  private readonly toReinvoke = new Set<string>();

  shouldReinvokeWebhook(uid: string): boolean {
    return this.toReinvoke.has(uid);
  }

  outputChangedSinceLastInvocation(object: KubeObject | undefined): boolean {
    return !deepEqual(this.lastOutput ?? null, object ?? null);
  }

  setLastInvocationOutput(object: KubeObject | undefined): void {
    this.lastOutput = object === undefined ? undefined : deepClone(object);
  }

  addReinvocableWebhookToPreviouslyInvoked(uid: string): void {
    this.previouslyInvoked.add(uid);
  }

  /** A change happened: every reinvocable webhook that ran before it runs again in the second round. */
  requireReinvokingPreviouslyInvoked(): void {
    for (const uid of this.previouslyInvoked) this.toReinvoke.add(uid);
    this.previouslyInvoked = new Set();
  }
}
