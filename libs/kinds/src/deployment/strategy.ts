// apps/v1 Deployment: kube's defaults (one replica, RollingUpdate 25%/25%, ten revisions, 600s
// progress deadline, pod template defaults), its validation (selector required, non-empty, matching
// the template and immutable in apps/v1; strategy rules), the scale subresource and the columns
// NAME READY UP-TO-DATE AVAILABLE AGE (+ CONTAINERS IMAGES SELECTOR with -o wide).
import { ageColumn, deepEqual, field, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import type { PodTemplateSpec } from '../podtemplate/pod-spec.js';
import {  formatLabelSelector, selectorString, type LabelSelectorObject } from '../label-selector.js';
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
  validateSelector,
  type IntOrString,
} from '../workload/replicated.js';

interface DeploymentSpec {
  replicas?: number;
  selector?: LabelSelectorObject | null;
  template?: PodTemplateSpec;
  strategy?: { type?: string; rollingUpdate?: { maxUnavailable?: IntOrString; maxSurge?: IntOrString } | null };
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  progressDeadlineSeconds?: number;
  paused?: boolean;
}

const spec = (obj: KubeObject) => (obj.spec ?? {}) as DeploymentSpec;

/** SetDefaults_Deployment (apps/v1). */
function applyDefaults(obj: KubeObject): void {
  const s = specOf<DeploymentSpec>(obj);
  s.replicas ??= 1;
  defaultRollingUpdate(s, 'strategy', { maxUnavailable: '25%', maxSurge: '25%' });
  s.revisionHistoryLimit ??= 10;
  s.progressDeadlineSeconds ??= 600;
  defaultTemplate(s as Record<string, unknown>);
}

const STRATEGY_TYPES = ['Recreate', 'RollingUpdate'];

function validateStrategy(strategy: DeploymentSpec['strategy'], path: string): FieldError[] {
  const type = strategy?.type ?? '';
  const rolling = strategy?.rollingUpdate;
  if (type === 'Recreate') return rolling ? [field.forbidden(`${path}.rollingUpdate`, "may not be specified when strategy `type` is 'Recreate'")] : [];
  if (type !== 'RollingUpdate') {
    const rendered = `apps.DeploymentStrategy{Type:${JSON.stringify(type)}, RollingUpdate:${goPointer('apps.RollingUpdateDeployment', rolling)}}`;
    return [notSupportedRendered(path, rendered, STRATEGY_TYPES)];
  }
  if (!rolling) return [field.required(`${path}.rollingUpdate`, 'this should be defaulted and never be nil')];
  const at = `${path}.rollingUpdate`;
  const errs = [...validatePositiveIntOrPercent(rolling.maxUnavailable, `${at}.maxUnavailable`), ...validatePositiveIntOrPercent(rolling.maxSurge, `${at}.maxSurge`)];
  if (intOrPercentValue(rolling.maxUnavailable) === 0 && intOrPercentValue(rolling.maxSurge) === 0) {
    errs.push(invalidRendered(`${at}.maxUnavailable`, goIntOrString(rolling.maxUnavailable), 'may not be 0 when `maxSurge` is 0'));
  }
  errs.push(...notMoreThan100Percent(rolling.maxUnavailable, `${at}.maxUnavailable`));
  return errs;
}

/** ValidateDeploymentSpec. */
function validate(obj: KubeObject): FieldError[] {
  const s = spec(obj);
  const errs = [
    ...nonNegative(s.replicas, 'spec.replicas'),
    ...validateSelector(s.selector, 'spec.selector', 'empty selector is invalid for deployment'),
    ...validateSelectedTemplate(s.template, s.selector, 'spec.template', { owner: 'ReplicaSet' }),
    ...validateStrategy(s.strategy, 'spec.strategy'),
    ...nonNegative(s.minReadySeconds, 'spec.minReadySeconds'),
    ...nonNegative(s.revisionHistoryLimit, 'spec.revisionHistoryLimit'),
  ];
  if (typeof s.progressDeadlineSeconds === 'number') {
    errs.push(...nonNegative(s.progressDeadlineSeconds, 'spec.progressDeadlineSeconds'));
    if (s.progressDeadlineSeconds <= (s.minReadySeconds ?? 0)) {
      errs.push(field.invalid('spec.progressDeadlineSeconds', s.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

export const deploymentStrategy = defineStrategy(
  {
    group: 'apps',
    version: 'v1',
    resource: 'deployments',
    kind: 'Deployment',
    namespaced: true,
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: ['scale', 'status'],
    tracksGeneration: true,
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      column('Ready', 'string', 'Number of the pod with ready state', (obj) => `${statusCount(obj, 'readyReplicas')}/${spec(obj).replicas ?? 0}`),
      column('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.', (obj) => statusCount(obj, 'updatedReplicas')),
      column('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.', (obj) => statusCount(obj, 'availableReplicas')),
      ageColumn,
      ...templateColumns(templateOfSpec),
      column('Selector', 'string', 'Label selector for pods. Existing pods that match this selector will be affected by this deployment.', (obj) => formatLabelSelector(spec(obj).selector), 1),
    ],
    defaults: applyDefaults,
    prepareForCreate: (obj) => {
      obj.status = {};
    },
    prepareForUpdate: (obj, old) => {
      // A Deployment also counts changes of its annotations (the rollback annotation of old).
      if (!deepEqual(obj.metadata?.annotations ?? {}, old.metadata?.annotations ?? {})) {
        obj.metadata = { ...obj.metadata, generation: (old.metadata?.generation ?? 0) + 1 };
      }
    },
    validate,
    validateUpdate: immutableSelector,
    scale: { selector: (obj) => selectorString(spec(obj).selector) },
  },
);
