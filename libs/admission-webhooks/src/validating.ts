// ValidatingAdmissionWebhook (kube's validating dispatcher): every webhook the request selects is
// called at once; when all have answered, the first failure to arrive is the answer (a denial, or a
// call that failed under `failurePolicy: Fail`), and the request goes on when there is none.
import type { AdmissionAttributes, AdmissionPlugin } from '@kapi/admission-chain';
import type { StatusError } from '@kapi/api-machinery';
import type { Invocation } from './admission-review.js';
import { asStatusError, CallingWebhookError, requestTimeout, WebhookRejection } from './errors.js';
import type { KubeObject } from './types.js';
import { convertTo } from './versions.js';
import { WarningCollector } from './warnings.js';
import { ruleTarget, WebhookAdmission, type RequestView, type WebhookAdmissionOptions } from './webhook.js';
import type { WebhookAccessor } from './webhook-source.js';

export const VALIDATING_PLUGIN_NAME = 'ValidatingAdmissionWebhook';

const FAILED_OPEN_ANNOTATION_PREFIX = 'failed-open.validating.webhook.admission.k8s.io/';

type Objects = { object: KubeObject | undefined; oldObject: KubeObject | undefined };

export class ValidatingWebhookDispatcher {
  constructor(private readonly core: WebhookAdmission) {}

  async validate(attributes: AdmissionAttributes): Promise<void> {
    const core = this.core;
    const hooks = await core.webhooksFor(attributes);
    if (!hooks.length) return;
    // The request's objects as each kind a webhook asks for, converted once per kind.
    const asKind = new Map<string, Promise<Objects>>();
    const versioned = (invocation: Invocation): Promise<Objects> => {
      const k = invocation.kind;
      const key = `${k.group}/${k.version}/${k.kind}`;
      let found = asKind.get(key);
      if (!found) {
        found = (async () => ({
          object: await convertTo(core.converter, attributes.object, attributes.kind, k),
          oldObject: await convertTo(core.converter, attributes.oldObject, attributes.kind, k),
        }))().catch((err) => {
          throw asStatusError(err);
        });
        asKind.set(key, found);
      }
      return found;
    };
    const view: RequestView = { attributes, target: ruleTarget(attributes), object: attributes.object, oldObject: attributes.oldObject, versioned };
    const relevant: { accessor: WebhookAccessor; invocation: Invocation; objects: Objects }[] = [];
    for (const accessor of hooks) {
      const invocation = await core.shouldCallHook(accessor, view);
      if (invocation) relevant.push({ accessor, invocation, objects: await versioned(invocation) });
    }
    if (!relevant.length) return;
    const deadline = core.deadlineOf(attributes);
    if (core.expired(deadline)) throw requestTimeout('request did not complete within requested timeout');
    const warnings = new WarningCollector();
    // In the order they arrive, as kube's error channel fills.
    const failures: (StatusError | Error)[] = [];
    try {
      await Promise.all(
        relevant.map(async ({ accessor, invocation, objects }, index) => {
          const failure = await this.callOne(attributes, accessor, invocation, objects, warnings, deadline, index);
          if (failure) failures.push(failure);
        }),
      );
    } finally {
      warnings.flush(attributes.recorder);
    }
    if (failures.length > 1) {
      for (const extra of failures.slice(1)) core.options.logger?.warn('Rejected by more than one webhook', { error: extra.message });
    }
    if (failures.length) throw failures[0];
  }

  /** Calls one webhook; the failure it answers the request with, if any. */
  private async callOne(
    attributes: AdmissionAttributes,
    accessor: WebhookAccessor,
    invocation: Invocation,
    objects: Objects,
    warnings: WarningCollector,
    deadline: number | undefined,
    index: number,
  ): Promise<Error | undefined> {
    const core = this.core;
    const started = core.now();
    let failure: unknown;
    try {
      await core.call(attributes, { accessor, invocation, ...objects, warnings }, deadline);
    } catch (err) {
      failure = err;
    }
    const elapsedMs = core.now() - started;
    core.observeCall(accessor, attributes.operation, failure, elapsedMs);
    if (failure === undefined) return undefined;
    if (failure instanceof CallingWebhookError) {
      if (accessor.failurePolicy !== 'Ignore') return core.failClosed(accessor, failure, elapsedMs, deadline);
      core.failOpen(attributes, accessor, failure, elapsedMs, `${FAILED_OPEN_ANNOTATION_PREFIX}round_0_index_${index}`);
      return undefined;
    }
    if (failure instanceof WebhookRejection) return failure.status;
    return asStatusError(failure);
  }
}

/** The ValidatingAdmissionWebhook admission plugin. */
export function ValidatingAdmissionWebhook(options: WebhookAdmissionOptions): AdmissionPlugin {
  const dispatcher = new ValidatingWebhookDispatcher(new WebhookAdmission(VALIDATING_PLUGIN_NAME, options));
  return {
    name: VALIDATING_PLUGIN_NAME,
    // kube's webhooks handle every operation: CREATE, UPDATE, DELETE and CONNECT.
    handles: () => true,
    validate: (attributes) => dispatcher.validate(attributes),
  };
}
