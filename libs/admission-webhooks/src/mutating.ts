// MutatingAdmissionWebhook (kube's mutating dispatcher): the webhooks are called one after another,
// each on the object as the ones before it left it; a JSON patch from one is applied, the result
// re-defaulted and passed on; a change makes earlier `reinvocationPolicy: IfNeeded` webhooks run
// again in the second round (see reinvocation.ts).
import type { AdmissionPlugin } from '@kapi/admission-chain';
import { applyJsonPatch, deepEqual, internalError, isPlainObject, isStatusError, type KubeObject } from '@kapi/api-machinery';
import type { AdmissionResponse, Invocation } from './admission-review.js';
import { asStatusError, CallingWebhookError, requestTimeout, WebhookRejection, webhookDenial } from './errors.js';
import { RequestReinvocationContext, WebhookReinvocationState, type ReinvocationContext, type WebhookAdmissionAttributes } from './reinvocation.js';
import type { GroupVersionKind } from './types.js';
import { convertTo, sameKind } from './versions.js';
import { WarningCollector } from './warnings.js';
import { ruleTarget, WebhookAdmission, type RequestView, type WebhookAdmissionOptions } from './webhook.js';
import type { WebhookAccessor } from './webhook-source.js';

export const MUTATING_PLUGIN_NAME = 'MutatingAdmissionWebhook';

// Audit annotation keys (mutating/dispatcher.go).
const MUTATION_ANNOTATION_PREFIX = 'mutation.webhook.admission.k8s.io/';
const FAILED_OPEN_ANNOTATION_PREFIX = `failed-open.${MUTATION_ANNOTATION_PREFIX}`;

/** The request's objects as the kind the webhooks were last called with (kube's VersionedAttributes). */
interface Versioned {
  kind: GroupVersionKind;
  object: KubeObject | undefined;
  oldObject: KubeObject | undefined;
  /** Whether a webhook's patch was applied. */
  dirty: boolean;
}

/** Go's encoding/json words for a patch that is not a JSON array of operations. */
function undecodablePatch(text: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    const at = text.search(/\S/);
    if (at < 0) return 'unexpected end of JSON input';
    return `invalid character ${JSON.stringify(text[at]).replace(/^"|"$/g, "'")} looking for beginning of value`;
  }
  if (Array.isArray(parsed)) return undefined;
  const type = parsed === null ? undefined : typeof parsed === 'boolean' ? 'bool' : typeof parsed;
  return type ? `json: cannot unmarshal ${type} into Go value of type jsonpatch.Patch` : undefined;
}

/** The operations of a decoded patch; null (Go decodes it as an empty patch) is none. */
const operationsOf = (text: string): unknown[] => (JSON.parse(text) as unknown[] | null) ?? [];

export class MutatingWebhookDispatcher {
  constructor(private readonly core: WebhookAdmission) {}

  /** Admits with the chain's reinvocation context, or runs both rounds of its own webhooks when there is none. */
  async admit(attributes: WebhookAdmissionAttributes): Promise<KubeObject | undefined> {
    const hooks = await this.core.webhooksFor(attributes);
    if (!hooks.length) return attributes.object;
    if (attributes.reinvocation) return this.dispatch(attributes, hooks, attributes.reinvocation);
    const own = new RequestReinvocationContext();
    const first = await this.dispatch(attributes, hooks, own);
    if (!own.shouldReinvoke()) return first;
    own.setIsReinvoke();
    return this.dispatch({ ...attributes, object: first }, hooks, own);
  }

  private async dispatch(attributes: WebhookAdmissionAttributes, hooks: WebhookAccessor[], reinvocation: ReinvocationContext): Promise<KubeObject | undefined> {
    const core = this.core;
    let state = reinvocation.value(MUTATING_PLUGIN_NAME) as WebhookReinvocationState | undefined;
    if (!state) {
      state = new WebhookReinvocationState();
      reinvocation.setValue(MUTATING_PLUGIN_NAME, state);
    }
    const reinvoking = reinvocation.isReinvoke();
    // Built-in plugins changed the object since the webhooks last saw it: reinvocable webhooks run again.
    if (reinvoking && state.outputChangedSinceLastInvocation(attributes.object)) state.requireReinvokingPreviouslyInvoked();
    const deadline = core.deadlineOf(attributes);
    const warnings = new WarningCollector();
    const target = ruleTarget(attributes);
    let versioned: Versioned | undefined;
    const versionedAs = async (kind: GroupVersionKind): Promise<Versioned> => {
      versioned ??= { kind: attributes.kind, object: attributes.object, oldObject: attributes.oldObject, dirty: false };
      if (!sameKind(versioned.kind, kind)) {
        const from = versioned.kind;
        try {
          versioned.object = await convertTo(core.converter, versioned.object, from, kind);
          versioned.oldObject = await convertTo(core.converter, versioned.oldObject, from, kind);
        } catch (err) {
          throw asStatusError(err);
        }
        versioned.kind = kind;
      }
      return versioned;
    };
    let output = attributes.object;
    try {
      for (const [index, accessor] of hooks.entries()) {
        const view: RequestView = {
          attributes,
          target,
          object: versioned?.object ?? attributes.object,
          oldObject: versioned?.oldObject ?? attributes.oldObject,
          versioned: (invocation) => versionedAs(invocation.kind),
        };
        const invocation = await core.shouldCallHook(accessor, view);
        if (!invocation) continue;
        // A webhook is never called for the first time in the second round.
        if (reinvoking && !state.shouldReinvokeWebhook(accessor.uid)) continue;
        const v = await versionedAs(invocation.kind);
        const round = reinvoking ? 1 : 0;
        const started = core.now();
        let changed = false;
        let failure: unknown;
        try {
          changed = await this.callAndPatch(attributes, accessor, invocation, v, warnings, deadline);
        } catch (err) {
          failure = err;
        }
        const elapsedMs = core.now() - started;
        attributes.recorder?.auditAnnotation(
          `${MUTATION_ANNOTATION_PREFIX}round_${round}_index_${index}`,
          JSON.stringify({ configuration: accessor.configurationName, webhook: accessor.name, mutated: changed }),
        );
        core.observeCall(accessor, attributes.operation, failure, elapsedMs);
        if (changed) {
          state.requireReinvokingPreviouslyInvoked();
          reinvocation.setShouldReinvoke();
        }
        if (accessor.webhook.reinvocationPolicy === 'IfNeeded') state.addReinvocableWebhookToPreviouslyInvoked(accessor.uid);
        if (failure === undefined) continue;
        if (failure instanceof CallingWebhookError) {
          if (accessor.failurePolicy !== 'Ignore') throw core.failClosed(accessor, failure, elapsedMs, deadline);
          core.failOpen(attributes, accessor, failure, elapsedMs, `${FAILED_OPEN_ANNOTATION_PREFIX}round_${round}_index_${index}`);
          // The request itself ran out of time: nothing after this webhook can finish in it.
          if (core.expired(deadline)) throw requestTimeout('request did not complete within requested timeout');
          continue;
        }
        if (failure instanceof WebhookRejection) throw failure.status;
        if (isStatusError(failure) && failure.httpCode === 500) {
          // kapi's own failure with the webhook's answer (a patch that does not apply): named, and timed.
          failure.message += core.durationSuffix(accessor.name, failure.message, elapsedMs);
        }
        throw failure;
      }
      if (versioned?.dirty) {
        try {
          output = await convertTo(core.converter, versioned.object, versioned.kind, attributes.kind);
        } catch (err) {
          throw asStatusError(err);
        }
      }
      return output;
    } finally {
      warnings.flush(attributes.recorder);
      state.setLastInvocationOutput(output);
    }
  }

  /** Calls the webhook and applies its patch to `v`; whether the object changed. */
  private async callAndPatch(
    attributes: WebhookAdmissionAttributes,
    accessor: WebhookAccessor,
    invocation: Invocation,
    v: Versioned,
    warnings: WarningCollector,
    deadline: number | undefined,
  ): Promise<boolean> {
    const core = this.core;
    const result: AdmissionResponse = await core.call(attributes, { accessor, invocation, object: v.object, oldObject: v.oldObject, warnings }, deadline);
    if (!result.patch) return false;
    const name = accessor.name;
    const text = result.patch.toString('utf8');
    const undecodable = undecodablePatch(text);
    if (undecodable) throw new CallingWebhookError(name, `received undecodable patch in webhook response: ${undecodable}`, 503);
    const operations = operationsOf(text);
    if (!operations.length) return false;
    // A patch with nothing to apply it to (a delete, say) is refused.
    if (v.object === undefined) throw internalError(`admission webhook ${JSON.stringify(name)} attempted to modify the object, which is not supported for this operation`);
    if (result.patchType !== 'JSONPatch') {
      const status = webhookDenial(name, result.result);
      throw new CallingWebhookError(name, `unsupported patch type ${JSON.stringify(result.patchType)}`, status.httpCode);
    }
    let patched: unknown;
    try {
      patched = applyJsonPatch(v.object, operations);
    } catch (err) {
      // The patch library words its 422s for clients of PATCH; the reason is kept as their cause.
      const cause = (err as { cause?: unknown }).cause;
      throw internalError(cause instanceof Error ? cause.message : (err as Error).message, err);
    }
    if (!isPlainObject(patched)) throw internalError(`admission webhook ${JSON.stringify(name)} patched the object into a ${Array.isArray(patched) ? 'list' : typeof patched}`);
    const before = v.object;
    if (patched.apiVersion !== before.apiVersion || patched.kind !== before.kind) {
      throw internalError(`admission webhook ${JSON.stringify(name)} changed the object's apiVersion or kind`);
    }
    const changed = !deepEqual(before, patched);
    v.dirty = true;
    v.object = ((await core.options.defaulter?.(patched, v.kind)) ?? patched) as KubeObject;
    return changed;
  }
}

/** The MutatingAdmissionWebhook admission plugin. */
export function MutatingAdmissionWebhook(options: WebhookAdmissionOptions): AdmissionPlugin {
  const dispatcher = new MutatingWebhookDispatcher(new WebhookAdmission(MUTATING_PLUGIN_NAME, options));
  return {
    name: MUTATING_PLUGIN_NAME,
    // kube's webhooks handle every operation: CREATE, UPDATE, DELETE and CONNECT.
    handles: () => true,
    admit: (attributes) => dispatcher.admit(attributes),
  };
}
