// Which controllers run, chosen as kube-controller-manager's `--controllers` chooses: a
// comma-separated list where `*` is every controller that is on by default, `name` turns one on and
// `-name` turns one off. The first entry naming a controller decides for it; without `*`, only the
// controllers named run. A controller goes by its kube-controller-manager name
// (`namespace-controller`) or by the older alias the flag still takes (`namespace`); a name that is
// neither stops the start, as kube-controller-manager's "is not in the list of known controllers".
import { ConfigError } from './index.js';

/** A controller as the setting names it. */
export interface KnownController {
  /** kube-controller-manager's name, e.g. `namespace-controller`. */
  name: string;
  /** The older name `--controllers` still takes, e.g. `namespace`. */
  alias?: string;
  /** Off unless named (kube's ControllersDisabledByDefault); by default a controller is on. */
  disabledByDefault?: boolean;
}

export class ControllerSelection {
  constructor(
    /** The entries, aliases replaced by names. */
    readonly entries: readonly string[],
    private readonly known: readonly KnownController[],
  ) {}

  /** Whether the controller `name` (its name or alias) runs. */
  enabled(name: string): boolean {
    const controller = this.known.find((c) => c.name === name || c.alias === name);
    if (!controller) throw new Error(`${JSON.stringify(name)} is not a known controller`);
    let star = false;
    for (const entry of this.entries) {
      if (entry === controller.name) return true;
      if (entry === `-${controller.name}`) return false;
      if (entry === '*') star = true;
    }
    return star && !controller.disabledByDefault;
  }

  /** The names of the controllers that run, in the order known. */
  enabledNames(): string[] {
    return this.known.filter((c) => this.enabled(c.name)).map((c) => c.name);
  }
}

/** The selection `value` makes (`*` when unset or empty); an unknown name is a ConfigError. */
export function parseControllers(value: string | undefined, known: readonly KnownController[], variable = 'KAPI_CONTROLLERS'): ControllerSelection {
  const raw = value === undefined || value.trim() === '' ? ['*'] : value.split(',').map((e) => e.trim());
  const entries = raw.map((entry) => {
    if (entry === '*') return entry;
    const off = entry.startsWith('-');
    const name = off ? entry.slice(1) : entry;
    const controller = known.find((c) => c.name === name || c.alias === name);
    if (!controller) {
      throw new ConfigError(`${variable}: ${JSON.stringify(name)} is not in the list of known controllers (${known.map((c) => c.name).join(', ')})`);
    }
    return off ? `-${controller.name}` : controller.name;
  });
  return new ControllerSelection(entries, known);
}
