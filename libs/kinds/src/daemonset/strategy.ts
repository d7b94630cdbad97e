// apps/v1 DaemonSet: kube's defaults (RollingUpdate with maxUnavailable 1 and maxSurge 0, ten
// revisions, pod template defaults), its validation (selector matching the template, non-empty and
// immutable; update strategy rules) and the columns NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE
// NODE SELECTOR AGE (+ CONTAINERS IMAGES SELECTOR with -o wide).
import { ageColumn, field, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import type { PodTemplateSpec } from '../podtemplate/pod-spec.js';
import { formatLabels } from '../podtemplate/strategy.js';
import { validateLabelSelector, formatLabelSelector, goLabelSelector, isEmptySelector, selectorMatches, type LabelSelectorObject } from '../label-selector.js';
import { defineStrategy } from '../strategy.js';
import {
  column,
  defaultRollingUpdate,
  defaultTemplate,
  goIntOrString,
  goPointer,
  immutableSelector,
  intOrPercentValue,
  invalidRendered,
  nonNegative,
  notMoreThan100Percent,
  notSupportedRendered,
  specOf,
  statusCount,
  templateColumns,
  templateOfSpec,
  validatePositiveIntOrPercent,
  validateSelectedTemplate,
  type IntOrString,
} from '../workload/replicated.js';
import { goStringMap } from '../go-syntax.js';

interface DaemonSetSpec {
  selector?: LabelSelectorObject | null;
  template?: PodTemplateSpec;
  updateStrategy?: { type?: string; rollingUpdate?: { maxUnavailable?: IntOrString; maxSurge?: IntOrString } | null };
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
}

const spec = (obj: KubeObject) => (obj.spec ?? {}) as DaemonSetSpec;

/** SetDefaults_DaemonSet (apps/v1). */
function prepare(obj: KubeObject): void {
  const s = specOf<DaemonSetSpec>(obj);
  defaultRollingUpdate(s, 'updateStrategy', { maxUnavailable: 1, maxSurge: 0 });
  s.revisionHistoryLimit ??= 10;
  defaultTemplate(s as Record<string, unknown>);
}

const STRATEGY_TYPES = ['RollingUpdate', 'OnDelete'];

function validateUpdateStrategy(strategy: DaemonSetSpec['updateStrategy'], path: string): FieldError[] {
  const type = strategy?.type ?? '';
  if (type === 'OnDelete') return [];
  const rolling = strategy?.rollingUpdate;
  if (type !== 'RollingUpdate') {
    return [notSupportedRendered(path, `apps.DaemonSetUpdateStrategy{Type:${JSON.stringify(type)}, RollingUpdate:${goPointer('apps.RollingUpdateDaemonSet', rolling)}}`, STRATEGY_TYPES)];
  }
  if (!rolling) return [field.required(`${path}.rollingUpdate`)];
  const at = `${path}.rollingUpdate`;
  const errs = [
    ...validatePositiveIntOrPercent(rolling.maxUnavailable, `${at}.maxUnavailable`),
    ...validatePositiveIntOrPercent(rolling.maxSurge, `${at}.maxSurge`),
    ...notMoreThan100Percent(rolling.maxUnavailable, `${at}.maxUnavailable`),
    ...notMoreThan100Percent(rolling.maxSurge, `${at}.maxSurge`),
  ];
  const unavailable = intOrPercentValue(rolling.maxUnavailable) !== 0;
  const surge = intOrPercentValue(rolling.maxSurge) !== 0;
  if (unavailable && surge) errs.push(invalidRendered(`${at}.maxSurge`, goIntOrString(rolling.maxSurge), 'may not be set when maxUnavailable is non-zero'));
  if (!unavailable && !surge) errs.push(field.required(`${at}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
  return errs;
}

/** ValidateDaemonSetSpec: unlike the others, a missing selector selects nothing, so the template mismatches. */
function validate(obj: KubeObject): FieldError[] {
  const s = spec(obj);
  const errs = s.selector ? validateLabelSelector(s.selector, 'spec.selector') : [];
  const labels = s.template?.metadata?.labels;
  if (!s.selector || !selectorMatches(s.selector, labels)) {
    errs.push(invalidRendered('spec.template.metadata.labels', goStringMap(labels), '`selector` does not match template `labels`'));
  }
  if (s.selector && isEmptySelector(s.selector)) errs.push(invalidRendered('spec.selector', goLabelSelector(s.selector), 'empty selector is invalid for daemonset'));
  // The selector was checked above; the template rules are the ReplicaSet's.
  errs.push(...validateSelectedTemplate(s.template ?? {}, undefined, 'spec.template', { owner: 'DaemonSet' }));
  errs.push(...nonNegative(s.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...validateUpdateStrategy(s.updateStrategy, 'spec.updateStrategy'));
  errs.push(...nonNegative(s.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  return errs;
}

const count = (name: string, key: string, description: string) => column(name, 'integer', description, (obj) => statusCount(obj, key));

export const daemonSetStrategy = defineStrategy(
  { group: 'apps', version: 'v1', resource: 'daemonsets', kind: 'DaemonSet', namespaced: true, shortNames: ['ds'], categories: ['all'], subresources: ['status'], tracksGeneration: true },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      count('Desired', 'desiredNumberScheduled', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/'),
      count('Current', 'currentNumberScheduled', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/'),
      count('Ready', 'numberReady', 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.'),
      count('Up-to-date', 'updatedNumberScheduled', 'The total number of nodes that are running updated daemon pod'),
      count('Available', 'numberAvailable', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
      column('Node Selector', 'string', "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/", (obj) => formatLabels(templateOfSpec(obj)?.spec?.nodeSelector)),
      ageColumn,
      ...templateColumns(templateOfSpec),
      column('Selector', 'string', 'A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template\'s labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors', (obj) => formatLabelSelector(spec(obj).selector), 1),
    ],
    defaults: prepare,
    prepareForCreate: (obj) => {
      obj.status = { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
    },
    validate,
    validateUpdate: immutableSelector,
  },
);
