// The admission plugin extension point. A plugin says which operations it handles and is mutating,
// validating or both; plugins register by name and the chain runs every mutating plugin, then every
// validating one.
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

export class AdmissionChain {
  private readonly plugins = new Map<string, AdmissionPlugin>();

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

  async mutate(attributes: AdmissionAttributes): Promise<KubeObject | undefined> {
    let object = attributes.object;
    for (const plugin of this.plugins.values()) {
      if (!plugin.admit || !plugin.handles(attributes.operation)) continue;
      object = (await plugin.admit({ ...attributes, object })) ?? object;
    }
    return object;
  }

  async validate(attributes: AdmissionAttributes): Promise<void> {
    for (const plugin of this.plugins.values()) {
      if (plugin.validate && plugin.handles(attributes.operation)) await plugin.validate(attributes);
    }
  }
}
