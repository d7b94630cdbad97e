// The admission plugin extension point. A plugin says which operations it handles and is mutating,
// validating or both; plugins register by name and the chain runs every mutating plugin, then every
// validating one.
import type { KubeObject, UserInfoLike } from './types.js';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

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
