// What both webhook plugins share (kube's generic.Webhook): which requests are never sent to
// webhooks, which webhooks a request selects and as which kind (ShouldCallHook), and one call to a
// webhook with the checks of its answer. The mutating and validating dispatchers build on it.
import { randomUUID } from 'node:crypto';
import type { AdmissionAttributes } from '@kapi/admission-chain';
import { internalError, isQualifiedName, isStatusError, notFound, StatusError } from '@kapi/api-machinery';
import type { Logger } from '@kapi/telemetry';
import { admissionRequest, admissionReview, decodeReview, NO_KNOWN_REVIEW_VERSION, reviewVersionFor, UndecodableReviewError, verifyAdmissionResponse, type AdmissionResponse, type Invocation } from './admission-review.js';
import { callTimeoutMs, DEADLINE_RESERVE_MS, firstSeenDeadline, processFirstSeenDeadline, type RequestDeadline } from './budget.js';
import { WebhookCallFailure, WebhookClientConfigError, WebhookClients, type ServiceResolver, type WebhookTransport } from '@kapi/webhook-client';
import { asStatusError, CallingWebhookError, dryRunUnsupported, failedClosed, forbidden, requestTimeout, WebhookRejection, webhookDenial } from './errors.js';
import { evaluateMatchConditions, type MatchConditionEvaluator } from './match-conditions.js';
import { AdmissionWebhookMetrics, type MatchConditionStep } from './metrics.js';
import { isExemptAdmissionConfigurationResource, requestNamespace, ruleMatches, type RuleTarget } from './rules.js';
import type { KubeObject } from './types.js';
import { apiVersionConverter, sameResource, type EquivalentResourceMapper, type ObjectConverter, type ObjectDefaulter } from './versions.js';
import type { WarningCollector } from './warnings.js';
import { isSelectorEmpty, WebhookCompiler, type CompiledSelector, type WebhookAccessor, type WebhookConfigurationSource } from './webhook-source.js';

/**
 * kapi's own system namespaces, whose requests no webhook sees, so that a failing webhook cannot
 * lock the cluster out of itself: kube-system holds the front doors' identity Leases (from which
 * `default/kubernetes` lists the live front doors) and the system's service accounts and bootstrap
 * tokens; kube-node-lease the nodes' heartbeats (blocked, every node goes NotReady); kube-public
 * the cluster-info clients bootstrap from. All three are reserved to the system (the `kube-`
 * prefix); `default` is not among them, because users' workloads live there (and the registry keeps
 * `default/kubernetes` itself, without admission, as kube's endpoint reconciler does).
 */
export const DEFAULT_EXEMPT_NAMESPACES: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease'];

/** kube's WaitForReady gives a source that has not synchronised this long before refusing. */
const READY_WAIT_MS = 10_000;

export interface WebhookAdmissionOptions {
  /** The configurations of the plugin's kind (Mutating- or ValidatingWebhookConfigurations). */
  configurations: WebhookConfigurationSource;
  /** A namespace's labels; undefined when the namespace does not exist. */
  namespaceLabels(name: string): Promise<Record<string, string> | undefined>;
  /** Where Service webhooks are reached (see endpointSliceResolver); only used when `clients` is not given. */
  serviceResolver?: ServiceResolver;
  /** The HTTPS clients (WebhookClients), shared by both plugins of a process; one of their own otherwise. */
  clients?: WebhookTransport;
  /** For `matchPolicy: Equivalent`; without it only the request's own resource is matched. */
  equivalentResources?: EquivalentResourceMapper;
  /** Converts objects to the kind an equivalent rule names; by apiVersion alone when not given. */
  converter?: ObjectConverter;
  /** Re-defaults an object a mutating webhook patched, as kube does. */
  defaulter?: ObjectDefaulter;
  /** Evaluates CEL matchConditions; without it, conditions are errors the failure policy decides on. */
  matchConditions?: MatchConditionEvaluator;
  /** When the request must be answered; the front door's 60 s from first sight when not given. */
  deadline?: RequestDeadline;
  /** What the webhooks leave of the deadline for the rest of the request (default 5 s). */
  deadlineReserveMs?: number;
  /** Namespaces whose requests no webhook sees (default DEFAULT_EXEMPT_NAMESPACES; [] for kube's behaviour). */
  exemptNamespaces?: readonly string[];
  /**
   * Whether a webhook's failure names, after kube's message, how long the webhook took (default
   * true; false for kube's words alone).
   */
  describeDuration?: boolean;
  metrics?: AdmissionWebhookMetrics;
  logger?: Logger;
  now?: () => number;
}

/** How the dispatchers read a request: the object they test selectors against may be a mutated one. */
export interface RequestView {
  attributes: AdmissionAttributes;
  target: RuleTarget;
  /** The object as mutated so far (mutating webhooks), else the request's. */
  object: KubeObject | undefined;
  oldObject: KubeObject | undefined;
  /** The request's objects as the given kind. */
  versioned(invocation: Invocation): Promise<{ object: KubeObject | undefined; oldObject: KubeObject | undefined }>;
}

export interface WebhookCall {
  accessor: WebhookAccessor;
  invocation: Invocation;
  object: KubeObject | undefined;
  oldObject: KubeObject | undefined;
  warnings: WarningCollector;
}

const labelsOf = (object: KubeObject | undefined) => object?.metadata?.labels ?? {};
const formatSeconds = (ms: number) => `${(Math.max(0, ms) / 1000).toFixed(3)}s`;

/** The machinery of one webhook plugin. */
export class WebhookAdmission {
  readonly clients: WebhookTransport;
  readonly metrics: AdmissionWebhookMetrics;
  readonly now: () => number;
  readonly converter: ObjectConverter;
  private readonly compiler = new WebhookCompiler();
  private readonly deadline: RequestDeadline;
  private readonly reserveMs: number;
  private readonly exempt: Set<string>;
  private lastConfigurations: readonly unknown[] | undefined;

  constructor(
    readonly plugin: 'MutatingAdmissionWebhook' | 'ValidatingAdmissionWebhook',
    readonly options: WebhookAdmissionOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.clients = options.clients ?? new WebhookClients({ serviceResolver: options.serviceResolver });
    this.metrics = options.metrics ?? new AdmissionWebhookMetrics();
    this.converter = options.converter ?? apiVersionConverter;
    this.deadline = options.deadline ?? (options.now ? firstSeenDeadline(undefined, options.now) : processFirstSeenDeadline);
    this.reserveMs = options.deadlineReserveMs ?? DEADLINE_RESERVE_MS;
    this.exempt = new Set(options.exemptNamespaces ?? DEFAULT_EXEMPT_NAMESPACES);
  }

  get mutating(): boolean {
    return this.plugin === 'MutatingAdmissionWebhook';
  }

  /** The step a webhook excluded by its conditions is counted under. */
  private get matchConditionStep(): MatchConditionStep {
    return this.mutating ? 'admit' : 'validate';
  }

  /** The type its conditions' evaluation errors and time are counted under (kube's matcher type). */
  private get matcherType(): MatchConditionStep {
    return this.mutating ? 'admit' : 'validating';
  }

  /**
   * The webhooks to consider for a request, in order; none for requests webhooks never see
   * (webhook configurations and policies, kapi's system namespaces).
   */
  async webhooksFor(attributes: AdmissionAttributes): Promise<WebhookAccessor[]> {
    if (isExemptAdmissionConfigurationResource(attributes.kind)) return [];
    if (this.exempt.has(requestNamespace(attributes))) return [];
    await this.waitForReady(attributes);
    const configurations = await this.options.configurations.list();
    const accessors = this.compiler.accessors(configurations);
    if (configurations !== this.lastConfigurations) {
      // New configurations: clients no webhook uses any more close their connections.
      this.lastConfigurations = configurations;
      this.clients.retain(this.plugin, accessors.map((a) => a.webhook?.clientConfig ?? {}));
    }
    return accessors;
  }

  private async waitForReady(attributes: AdmissionAttributes): Promise<void> {
    const source = this.options.configurations;
    if (!source.hasSynced || source.hasSynced()) return;
    const until = Date.now() + READY_WAIT_MS;
    while (Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      if (source.hasSynced()) return;
    }
    throw forbidden(attributes.resource, attributes.name || attributes.object?.metadata?.name || '', 'not yet ready to handle request');
  }

  /** The request's deadline, and the time left of it for webhooks. */
  deadlineOf(attributes: AdmissionAttributes): number | undefined {
    return this.deadline(attributes);
  }

  /** Whether the request itself is past its deadline (not merely past the webhooks' share of it). */
  expired(deadline: number | undefined): boolean {
    return deadline !== undefined && this.now() >= deadline;
  }

  /** Whether the webhooks' share of the request's time is spent: what is left is the rest of the request's. */
  outOfTime(deadline: number | undefined): boolean {
    return deadline !== undefined && this.now() >= deadline - this.reserveMs;
  }

  /** kube's ShouldCallHook: the invocation (the kind and resource matched), undefined to skip, or a StatusError. */
  async shouldCallHook(accessor: WebhookAccessor, view: RequestView): Promise<Invocation | undefined> {
    const { attributes, target } = view;
    const webhook = accessor.webhook ?? {};
    const rules = webhook.rules ?? [];
    let invocation: Invocation | undefined;
    if (rules.some((rule) => ruleMatches(rule, target))) {
      invocation = { kind: attributes.kind, resource: target.resource, subresource: target.subresource };
    } else if ((webhook.matchPolicy ?? 'Equivalent') === 'Equivalent' && this.options.equivalentResources) {
      const mapper = this.options.equivalentResources;
      const equivalents = mapper.equivalentResourcesFor(target.resource, target.subresource).filter((r) => !sameResource(r, target.resource));
      // Earlier rules first.
      search: for (const rule of rules) {
        for (const resource of equivalents) {
          if (!ruleMatches(rule, { ...target, resource })) continue;
          const kind = mapper.kindFor(resource, target.subresource);
          if (!kind) throw internalError(`unable to convert to ${resource.group}/${resource.version}, Resource=${resource.resource}: unknown kind`);
          invocation = { kind, resource, subresource: target.subresource };
          break search;
        }
      }
    }
    if (!invocation) return undefined;
    // The selectors are asked only of webhooks whose rules match: what kube decides is the same.
    const namespaceMatch = await this.matchNamespace(accessor.namespaceSelector, view);
    if (namespaceMatch === false) return undefined;
    const objectMatch = this.matchObject(accessor.objectSelector, view);
    if (objectMatch === false) return undefined;
    if (namespaceMatch instanceof StatusError) throw namespaceMatch;
    if (objectMatch instanceof StatusError) throw objectMatch;
    const conditions = webhook.matchConditions ?? [];
    if (conditions.length) {
      let versioned;
      try {
        versioned = await view.versioned(invocation);
      } catch (err) {
        throw asStatusError(err);
      }
      const outcome = await evaluateMatchConditions(
        this.options.matchConditions,
        conditions,
        {
          ...versioned,
          // kube's CEL request names the kind matched but the request's own resource.
          request: admissionRequest(attributes, { kind: invocation.kind, resource: target.resource, subresource: target.subresource }),
          attributes,
        },
        { webhookName: accessor.name, failurePolicy: accessor.failurePolicy, step: this.matcherType, metrics: this.metrics, now: this.now },
      );
      if ('error' in outcome) {
        this.options.logger?.warn('Failed evaluating match conditions, failing closed', { webhook: accessor.name, error: outcome.error });
        throw forbidden(attributes.resource, attributes.name, outcome.error);
      }
      if (!outcome.matches) {
        this.metrics.observeMatchConditionExclusion(accessor.name, this.matchConditionStep, attributes.operation);
        return undefined;
      }
    }
    return invocation;
  }

  /** kube's namespace predicate: true, false, or the error to answer with should the webhook apply. */
  private async matchNamespace(compiled: CompiledSelector, view: RequestView): Promise<boolean | StatusError> {
    const { attributes, target } = view;
    const isNamespace = target.resource.resource === 'namespaces';
    // Cluster-scoped objects other than Namespaces are never exempted by a namespaceSelector.
    if (!target.namespace && !isNamespace) return true;
    if ('error' in compiled) return internalError(compiled.error);
    if (compiled.empty) return true;
    let labels: Record<string, string>;
    if (isNamespace && !target.subresource && (attributes.operation === 'CREATE' || attributes.operation === 'UPDATE')) {
      // A Namespace being written is matched by its own (new) labels.
      labels = labelsOf(view.object);
    } else {
      let found: Record<string, string> | undefined;
      try {
        found = await this.options.namespaceLabels(target.namespace);
      } catch (err) {
        return isStatusError(err) && err.httpCode === 404 ? err : internalError((err as Error).message, err);
      }
      if (found === undefined) return notFound({ group: '', resource: 'namespaces' }, target.namespace);
      labels = found;
    }
    return compiled.selector.matches(labels);
  }

  /** kube's object predicate: the new object's or the old object's labels. */
  private matchObject(compiled: CompiledSelector, view: RequestView): boolean | StatusError {
    if ('error' in compiled) return internalError(compiled.error);
    if (isSelectorEmpty(compiled)) return true;
    const matches = (o: KubeObject | undefined) => o !== undefined && o !== null && compiled.selector.matches(labelsOf(o));
    return matches(view.object) || matches(view.oldObject);
  }

  /**
   * Calls one webhook and returns its answer when it allowed the request. Throws a
   * CallingWebhookError (the failure policy decides), a WebhookRejection, or a StatusError.
   */
  async call(attributes: AdmissionAttributes, call: WebhookCall, deadline: number | undefined): Promise<AdmissionResponse> {
    const { accessor, invocation } = call;
    const webhook = accessor.webhook;
    const name = accessor.name;
    if (attributes.dryRun) {
      if (webhook.sideEffects === undefined || webhook.sideEffects === null) throw new CallingWebhookError(name, 'Webhook SideEffects is nil', 400);
      if (webhook.sideEffects !== 'None' && webhook.sideEffects !== 'NoneOnDryRun') throw dryRunUnsupported(name);
    }
    const version = reviewVersionFor(webhook.admissionReviewVersions);
    if (!version) throw new CallingWebhookError(name, `could not create admission objects: ${NO_KNOWN_REVIEW_VERSION}`, 400);
    const uid = randomUUID();
    const review = admissionReview(version, admissionRequest(attributes, invocation, { uid, object: call.object, oldObject: call.oldObject }));
    const timeoutMs = callTimeoutMs(webhook.timeoutSeconds, deadline, this.reserveMs, this.now());
    let text: string;
    try {
      text = await this.clients.post(webhook.clientConfig ?? {}, review, timeoutMs);
    } catch (err) {
      if (err instanceof WebhookCallFailure) throw new CallingWebhookError(name, `failed to call webhook: ${err.message}`, err.statusCode);
      if (err instanceof WebhookClientConfigError) {
        throw new CallingWebhookError(name, `could not get REST client: ${new CallingWebhookError(name, err.message, 500).message}`, 500);
      }
      throw err;
    }
    let result: AdmissionResponse;
    try {
      const decoded = decodeReview(text, version);
      try {
        result = verifyAdmissionResponse(version, uid, this.mutating, decoded);
      } catch (err) {
        if (err instanceof UndecodableReviewError) throw err;
        throw new CallingWebhookError(name, `received invalid webhook response: ${(err as Error).message}`, 503);
      }
    } catch (err) {
      if (err instanceof UndecodableReviewError) throw new CallingWebhookError(name, `failed to call webhook: ${err.message}`, 503);
      throw err;
    }
    this.recordAuditAnnotations(attributes, name, result.auditAnnotations);
    call.warnings.add(result.warnings);
    if (!result.allowed) throw new WebhookRejection(webhookDenial(name, result.result));
    return result;
  }

  /** A webhook's audit annotations, under its own name as kube keys them; a key that is not a qualified name is dropped. */
  private recordAuditAnnotations(attributes: AdmissionAttributes, webhookName: string, annotations: Record<string, string>): void {
    for (const [k, value] of Object.entries(annotations)) {
      const key = `${webhookName}/${k}`;
      const problems = isQualifiedName(key);
      if (problems.length) {
        this.options.logger?.warn('Failed to set admission audit annotation', { webhook: webhookName, key, error: `annotation key has invalid format ${problems.join(',')}` });
        continue;
      }
      attributes.recorder?.auditAnnotation(key, value);
    }
  }

  /**
   * Counts one call in kube's webhook metrics: its latency and HTTP code, and why it rejected the
   * request if it did (a failed call under Ignore rejects nothing; kapi's own failure counts as 0).
   */
  observeCall(accessor: WebhookAccessor, operation: string, failure: unknown, elapsedMs: number): void {
    const { metrics } = this;
    const type = this.mutating ? 'admit' : 'validating';
    const seconds = elapsedMs / 1000;
    const name = accessor.name;
    if (failure === undefined) return metrics.observeWebhook(name, type, operation, seconds, false, 200);
    if (failure instanceof CallingWebhookError) {
      const rejected = accessor.failurePolicy !== 'Ignore';
      if (rejected) metrics.observeRejection(name, type, operation, 'calling_webhook_error', failure.statusCode);
      return metrics.observeWebhook(name, type, operation, seconds, rejected, failure.statusCode);
    }
    if (failure instanceof WebhookRejection) {
      metrics.observeRejection(name, type, operation, 'no_error', failure.status.httpCode);
      return metrics.observeWebhook(name, type, operation, seconds, true, failure.status.httpCode);
    }
    metrics.observeRejection(name, type, operation, 'apiserver_internal_error', 0);
    metrics.observeWebhook(name, type, operation, seconds, true, 0);
  }

  /** A failed call under Ignore: logged, counted and annotated (under `annotationKey`); the request goes on. */
  failOpen(attributes: AdmissionAttributes, accessor: WebhookAccessor, failure: CallingWebhookError, elapsedMs: number, annotationKey: string): void {
    this.options.logger?.warn('Failed calling webhook, failing open', { webhook: accessor.name, error: failure.message, durationMs: elapsedMs });
    this.metrics.observeFailOpen(accessor.name, this.mutating ? 'admit' : 'validating');
    attributes.recorder?.auditAnnotation(annotationKey, accessor.name);
  }

  /**
   * A failed call under Fail: logged, and the 500 the request is answered with; or, when the call
   * failed as the webhooks' share of the request's time ran out, kube's answer to a request whose
   * context ended (its finisher's 504): in kube that context's end is what stops such a call.
   */
  failClosed(accessor: WebhookAccessor, failure: CallingWebhookError, elapsedMs: number, deadline?: number): StatusError {
    this.options.logger?.warn('Failed calling webhook, failing closed', { webhook: accessor.name, error: failure.message, durationMs: elapsedMs });
    if (this.outOfTime(deadline)) return requestTimeout('request did not complete within requested timeout - context deadline exceeded');
    return failedClosed(failure, this.durationSuffix(accessor.name, failure.message, elapsedMs));
  }

  /**
   * Beyond kube: how long the webhook took, after a failure's message (the webhook is named unless
   * the message names it already); nothing when describeDuration is off.
   */
  durationSuffix(webhookName: string, message: string, elapsedMs: number): string {
    if (this.options.describeDuration === false) return '';
    const named = message.includes(`webhook ${JSON.stringify(webhookName)}`);
    return named ? ` (after ${formatSeconds(elapsedMs)})` : ` (webhook ${JSON.stringify(webhookName)}, after ${formatSeconds(elapsedMs)})`;
  }
}

/** The rule target of a request: its own resource, subresource, operation and namespace. */
export function ruleTarget(attributes: AdmissionAttributes): RuleTarget {
  const { group, version, resource } = attributes.resource;
  return { operation: attributes.operation, resource: { group, version, resource }, subresource: attributes.subresource, namespace: requestNamespace(attributes) };
}
