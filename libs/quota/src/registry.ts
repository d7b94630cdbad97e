// The evaluators quota knows (kube's install.NewQuotaConfigurationFor…): pods, services and claims,
// object counts with their legacy names for configmaps, resourcequotas, replicationcontrollers and
// secrets, and whatever `count/<resource>.<group>` a quota names for any other resource, counted
// the generic way. Virtual resources and events are never quota'd.
import { objectCountEvaluator, type Evaluator, type GroupResource } from './evaluator.js';
import { persistentVolumeClaimEvaluator } from './persistent-volume-claims.js';
import { podEvaluator } from './pods.js';
import { serviceEvaluator } from './services.js';

const key = (gr: GroupResource) => `${gr.resource}.${gr.group}`;

/** install.DefaultIgnoredResources. */
export const IGNORED_RESOURCES: readonly GroupResource[] = [
  { group: '', resource: 'bindings' },
  { group: '', resource: 'componentstatuses' },
  { group: 'authentication.k8s.io', resource: 'tokenreviews' },
  { group: 'authentication.k8s.io', resource: 'selfsubjectreviews' },
  { group: 'authorization.k8s.io', resource: 'subjectaccessreviews' },
  { group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' },
  { group: 'authorization.k8s.io', resource: 'localsubjectaccessreviews' },
  { group: 'authorization.k8s.io', resource: 'selfsubjectrulesreviews' },
  { group: '', resource: 'events' },
  { group: 'events.k8s.io', resource: 'events' },
];

const ignored = new Set(IGNORED_RESOURCES.map(key));
export const isIgnoredResource = (gr: GroupResource) => ignored.has(key(gr));

/** Kinds quota counted by their plural before `count/…` names existed. */
const LEGACY_ALIASES: readonly [string, string][] = [
  ['configmaps', 'configmaps'],
  ['resourcequotas', 'resourcequotas'],
  ['replicationcontrollers', 'replicationcontrollers'],
  ['secrets', 'secrets'],
];

/** quota.Registry: one evaluator per group/resource. */
export class QuotaEvaluators {
  private readonly evaluators = new Map<string, Evaluator>();

  constructor(now: () => number = Date.now) {
    for (const evaluator of [podEvaluator(now), serviceEvaluator(), persistentVolumeClaimEvaluator()]) this.add(evaluator);
    for (const [resource, alias] of LEGACY_ALIASES) this.add(objectCountEvaluator({ group: '', resource }, alias));
  }

  add(evaluator: Evaluator): void {
    this.evaluators.set(key(evaluator.groupResource), evaluator);
  }

  get(gr: GroupResource): Evaluator | undefined {
    return this.evaluators.get(key(gr));
  }

  /** The evaluator of a resource, a generic object count one made (and kept) when it has none. */
  getOrCount(gr: GroupResource): Evaluator {
    let evaluator = this.get(gr);
    if (!evaluator) {
      evaluator = objectCountEvaluator(gr);
      this.add(evaluator);
    }
    return evaluator;
  }

  list(): Evaluator[] {
    return [...this.evaluators.values()];
  }
}
