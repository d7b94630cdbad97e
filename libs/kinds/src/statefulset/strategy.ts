// apps/v1 StatefulSet: kube's defaults (OrderedReady, RollingUpdate with partition 0, ten revisions,
// PVCs retained when deleted or scaled), its validation (a DNS label name, a required, non-empty
// selector matching the template, and only some spec fields may change), the scale subresource and
// the columns NAME READY AGE (+ CONTAINERS IMAGES with -o wide). serviceName is optional (1.33).
import { ageColumn, deepEqual, field, isDns1123Label, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import type { PodTemplateSpec } from '../podtemplate/pod-spec.js';
import { defineStrategy } from '../strategy.js';
import {
  child,
  column,
  defaultTemplate,
  embeddedMetadata,
  goIntOrString,
  goPointer,
  intOrPercentValue,
  invalidRendered,
  nonNegative,
  notMoreThan100Percent,
  specOf,
  statusCount,
  templateColumns,
  templateOfSpec,
  validatePositiveIntOrPercent,
  validateSelectedTemplate,
  validateSelector,
  type IntOrString,
} from '../workload/replicated.js';
import { selectorString, type LabelSelectorObject } from '../label-selector.js';

interface RollingUpdate {
  partition?: number;
  maxUnavailable?: IntOrString;
}

interface StatefulSetSpec {
  replicas?: number;
  selector?: LabelSelectorObject | null;
  template?: PodTemplateSpec;
  serviceName?: string;
  podManagementPolicy?: string;
  updateStrategy?: { type?: string; rollingUpdate?: RollingUpdate | null };
  revisionHistoryLimit?: number;
  minReadySeconds?: number;
  persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string; whenScaled?: string };
  ordinals?: { start?: number };
  volumeClaimTemplates?: { metadata?: Record<string, unknown>; spec?: { volumeMode?: string }; status?: { phase?: string } }[];
}

const spec = (obj: KubeObject) => (obj.spec ?? {}) as StatefulSetSpec;

/** SetDefaults_StatefulSet (apps/v1). */
function prepare(obj: KubeObject): void {
  const s = specOf<StatefulSetSpec>(obj);
  s.podManagementPolicy ||= 'OrderedReady';
  const strategy = child<NonNullable<StatefulSetSpec['updateStrategy']>>(s as Record<string, unknown>, 'updateStrategy');
  if (!strategy.type) {
    strategy.type = 'RollingUpdate';
    strategy.rollingUpdate ??= {};
  }
  if (strategy.type === 'RollingUpdate' && strategy.rollingUpdate) strategy.rollingUpdate.partition ??= 0;
  const retention = child<NonNullable<StatefulSetSpec['persistentVolumeClaimRetentionPolicy']>>(s as Record<string, unknown>, 'persistentVolumeClaimRetentionPolicy');
  retention.whenDeleted ||= 'Retain';
  retention.whenScaled ||= 'Retain';
  s.replicas ??= 1;
  s.revisionHistoryLimit ??= 10;
  defaultTemplate(s as Record<string, unknown>);
  // Each claim template is defaulted as a PersistentVolumeClaim is.
  for (const claim of s.volumeClaimTemplates ?? []) {
    if (!claim || typeof claim !== 'object') continue;
    embeddedMetadata(claim as Record<string, unknown>);
    child<{ volumeMode?: string }>(claim as Record<string, unknown>, 'spec').volumeMode ||= 'Filesystem';
    child<{ phase?: string }>(claim as Record<string, unknown>, 'status').phase ||= 'Pending';
  }
}

const RETENTION = ['Retain', 'Delete'];

function validateUpdateStrategy(strategy: StatefulSetSpec['updateStrategy'], path: string): FieldError[] {
  const type = strategy?.type ?? '';
  const rolling = strategy?.rollingUpdate;
  const rollingRendered = goPointer('apps.RollingUpdateStatefulSetStrategy', rolling);
  switch (type) {
    case '':
      return [field.required(path)];
    case 'OnDelete':
      return rolling ? [invalidRendered(`${path}.rollingUpdate`, rollingRendered, "only allowed for updateStrategy 'RollingUpdate'")] : [];
    case 'RollingUpdate': {
      if (!rolling) return [];
      const at = `${path}.rollingUpdate`;
      const errs = nonNegative(rolling.partition, `${at}.partition`);
      if (rolling.maxUnavailable !== undefined && rolling.maxUnavailable !== null) {
        errs.push(...validatePositiveIntOrPercent(rolling.maxUnavailable, `${at}.maxUnavailable`));
        if (intOrPercentValue(rolling.maxUnavailable) === 0) errs.push(invalidRendered(`${at}.maxUnavailable`, goIntOrString(rolling.maxUnavailable), 'cannot be 0'));
        errs.push(...notMoreThan100Percent(rolling.maxUnavailable, `${at}.maxUnavailable`));
      }
      return errs;
    }
    default:
      return [invalidRendered(path, `apps.StatefulSetUpdateStrategy{Type:${JSON.stringify(type)}, RollingUpdate:${rollingRendered}}`, "must be 'RollingUpdate' or 'OnDelete'")];
  }
}

/** ValidateStatefulSetSpec. */
function validate(obj: KubeObject): FieldError[] {
  const s = spec(obj);
  const errs: FieldError[] = [];
  const policy = s.podManagementPolicy ?? '';
  if (!policy) errs.push(field.required('spec.podManagementPolicy'));
  else if (!['OrderedReady', 'Parallel'].includes(policy)) errs.push(field.invalid('spec.podManagementPolicy', policy, "must be 'OrderedReady' or 'Parallel'"));
  errs.push(...validateUpdateStrategy(s.updateStrategy, 'spec.updateStrategy'));
  const retention = s.persistentVolumeClaimRetentionPolicy;
  if (retention) {
    for (const key of ['whenDeleted', 'whenScaled'] as const) {
      if (!RETENTION.includes(retention[key] ?? '')) errs.push(field.notSupported(`spec.persistentVolumeClaimRetentionPolicy.${key}`, retention[key] ?? '', RETENTION));
    }
  }
  errs.push(...nonNegative(s.replicas, 'spec.replicas'), ...nonNegative(s.minReadySeconds, 'spec.minReadySeconds'));
  if (s.ordinals) errs.push(...nonNegative(s.ordinals.start, 'spec.ordinals.start'));
  errs.push(...validateSelector(s.selector, 'spec.selector', 'empty selector is invalid for statefulset'));
  errs.push(...validateSelectedTemplate(s.template, s.selector, 'spec.template', { owner: 'StatefulSet', metadataOnly: true }));
  return errs;
}

/** Besides replicas, ordinals, template, updateStrategy, PVC retention and minReadySeconds, the spec is fixed. */
function validateUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const fixed = (s: StatefulSetSpec) => {
    const { replicas: _r, ordinals: _o, template: _t, updateStrategy: _u, minReadySeconds: _m, persistentVolumeClaimRetentionPolicy: _p, ...rest } = s;
    return rest;
  };
  if (deepEqual(fixed(spec(obj)), fixed(spec(old)))) return [];
  return [
    field.forbidden(
      'spec',
      "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ),
  ];
}

export const statefulSetStrategy = defineStrategy(
  { group: 'apps', version: 'v1', resource: 'statefulsets', kind: 'StatefulSet', namespaced: true, shortNames: ['sts'], categories: ['all'], subresources: ['scale', 'status'], tracksGeneration: true },
  {
    validateName: isDns1123Label,
    tableColumns: [
      nameColumn,
      column('Ready', 'string', 'Number of the pod with ready state', (obj) => `${statusCount(obj, 'readyReplicas')}/${spec(obj).replicas ?? 0}`),
      ageColumn,
      ...templateColumns(templateOfSpec),
    ],
    defaults: prepare,
    prepareForCreate: (obj) => {
      obj.status = { replicas: 0, availableReplicas: 0 };
    },
    validate,
    validateUpdate,
    scale: { selector: (obj) => selectorString(spec(obj).selector) },
  },
);
