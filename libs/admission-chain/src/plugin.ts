// The admission plugin extension point. A plugin says which operations it handles and is mutating,
// validating or both; plugins register by name and the chain runs every mutating plugin, then every
// validating one.
import { performance } from 'node:perf_hooks';
import { AdmissionChainMetrics, type AdmissionStep } from './metrics.js';
import type { KubeObject, UserInfoLike } from './types.js';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/**
 * What admission knows of a request, as kube's admission.Attributes: every plugin, webhook and
 * policy reads the same view.
 */
export interface AdmissionAttributes {
  operation: Operation;
  kind: { group: string; version: string; kind: string };
  resource: { group: string; version: string; resource: string; namespace: string };
  subresource: string;
  name: string;
  object?: KubeObject;
  oldObject?: KubeObject;
  user: UserInfoLike;
  dryRun: boolean;
  /** The request's id (the front door's Audit-Id), an AdmissionReview's `request.uid`. */
  uid?: string;
  /** The CreateOptions, UpdateOptions, PatchOptions or DeleteOptions of the request, as JSON. */
  options?: Record<string, unknown>;
  /** Where a plugin, webhook or policy leaves what the client and the audit log are to see. */
  recorder?: AdmissionRecorder;
  /**
   * When the request must be answered, in epoch milliseconds (kube's request context deadline): the
   * front door's, carried as the deadline of every gRPC hop. Undefined when the request has none.
   */
  deadline?: number;
}

/** Warnings go to the client (as Warning headers); audit annotations to the audit log. */
export interface AdmissionRecorder {
  warning(message: string): void;
  auditAnnotation(key: string, value: string): void;
}

export interface AdmissionPlugin {
  readonly name: string;
  handles(operation: Operation): boolean;
  /** Returns the object to continue with; throws a StatusError to deny. */
  admit?(attributes: AdmissionAttributes): Promise<KubeObject | undefined>;
  /** Throws a StatusError to deny. */
  validate?(attributes: AdmissionAttributes): Promise<void>;
}

/** Runs every mutating plugin once: what a MutationRunner calls, once or more. */
export type MutateOnce = (attributes: AdmissionAttributes) => Promise<KubeObject | undefined>;

/**
 * How the chain's mutating plugins are run for one request. kube's reinvoker (the webhooks'
 * `admitWithReinvocation`) runs them once and, when a plugin asked for it, once more on the result,
 * handing each run the request's reinvocation context on the attributes.
 */
export type MutationRunner = (attributes: AdmissionAttributes, mutateOnce: MutateOnce) => Promise<KubeObject | undefined>;

export interface AdmissionChainOptions {
  /** Once each unless given. */
  runMutation?: MutationRunner;
  metrics?: AdmissionChainMetrics;
}

const seconds = (since: number) => (performance.now() - since) / 1000;

export class AdmissionChain {
  private readonly plugins = new Map<string, AdmissionPlugin>();
  private readonly runMutation: MutationRunner;
  private readonly metrics: AdmissionChainMetrics;

  constructor(options: AdmissionChainOptions = {}) {
    this.runMutation = options.runMutation ?? ((attributes, once) => once(attributes));
    this.metrics = options.metrics ?? new AdmissionChainMetrics();
  }

  register(plugin: AdmissionPlugin): this {
    if (this.plugins.has(plugin.name)) throw new Error(`admission plugin ${plugin.name} is registered twice`);
    this.plugins.set(plugin.name, plugin);
    return this;
  }

  get names(): string[] {
    return [...this.plugins.keys()];
  }

  /** Whether any plugin mutates this operation. */
  mutates(operation: Operation): boolean {
    return [...this.plugins.values()].some((p) => p.admit && p.handles(operation));
  }

  /** Runs the mutating plugins (through the chain's MutationRunner) and returns the object they leave. */
  mutate(attributes: AdmissionAttributes): Promise<KubeObject | undefined> {
    return this.timed('admit', attributes.operation, () => this.runMutation(attributes, (a) => this.mutateOnce(a)));
  }

  private async mutateOnce(attributes: AdmissionAttributes): Promise<KubeObject | undefined> {
    let object = attributes.object;
    for (const plugin of this.plugins.values()) {
      if (!plugin.admit || !plugin.handles(attributes.operation)) continue;
      const admit = plugin.admit.bind(plugin);
      // Whatever else the attributes carry (the reinvocation context) goes to every plugin.
      object = (await this.timed('admit', attributes.operation, () => admit({ ...attributes, object }), plugin.name)) ?? object;
    }
    return object;
  }

  validate(attributes: AdmissionAttributes): Promise<void> {
    return this.timed('validate', attributes.operation, async () => {
      for (const plugin of this.plugins.values()) {
        if (!plugin.validate || !plugin.handles(attributes.operation)) continue;
        const validate = plugin.validate.bind(plugin);
        await this.timed('validate', attributes.operation, () => validate(attributes), plugin.name);
      }
    });
  }

  /** Runs a step, or one plugin's part of it when `plugin` is named, and counts it in kube's metrics. */
  private async timed<T>(type: AdmissionStep, operation: string, fn: () => Promise<T>, plugin?: string): Promise<T> {
    const started = performance.now();
    let rejected = true;
    try {
      const result = await fn();
      rejected = false;
      return result;
    } finally {
      if (plugin) this.metrics.observePlugin(plugin, type, operation, rejected, seconds(started));
      else this.metrics.observeStep(type, operation, rejected, seconds(started));
    }
  }
}
