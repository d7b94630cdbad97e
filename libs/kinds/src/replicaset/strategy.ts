// apps/v1 ReplicaSet: one replica by default, a required, non-empty and immutable selector that
// matches its pod template, the scale subresource, and the columns NAME DESIRED CURRENT READY AGE
// (+ CONTAINERS IMAGES SELECTOR with -o wide).
import { ageColumn, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import type { PodTemplateSpec } from '../podtemplate/pod-spec.js';
import { defineStrategy, objectMetaFields } from '../strategy.js';
import { column, defaultTemplate, immutableSelector, nonNegative, specOf, statusCount, templateColumns, templateOfSpec, validateSelectedTemplate, validateSelector } from '../workload/replicated.js';
import { formatLabelSelector, selectorString, type LabelSelectorObject } from '../label-selector.js';

interface ReplicaSetSpec {
  replicas?: number;
  minReadySeconds?: number;
  selector?: LabelSelectorObject | null;
  template?: PodTemplateSpec;
}

const spec = (obj: KubeObject) => (obj.spec ?? {}) as ReplicaSetSpec;

function prepare(obj: KubeObject): void {
  const s = specOf<ReplicaSetSpec>(obj);
  s.replicas ??= 1;
  defaultTemplate(s as Record<string, unknown>);
}

/** ValidateReplicaSetSpec. */
function validate(obj: KubeObject): FieldError[] {
  const s = spec(obj);
  return [
    ...nonNegative(s.replicas, 'spec.replicas'),
    ...nonNegative(s.minReadySeconds, 'spec.minReadySeconds'),
    // kube's ReplicaSet shares the Deployment's wording here.
    ...validateSelector(s.selector, 'spec.selector', 'empty selector is invalid for deployment'),
    ...validateSelectedTemplate(s.template, s.selector, 'spec.template', { owner: 'ReplicaSet' }),
  ];
}

/** ReplicaSets and ReplicationControllers can also be selected by status.replicas. */
export const replicasSelectableFields = (obj: KubeObject): Record<string, string> => ({ ...objectMetaFields(obj, true), 'status.replicas': String(statusCount(obj, 'replicas')) });

/** DESIRED CURRENT READY, as ReplicaSets and ReplicationControllers print them. */
export const replicaCountColumns = [
  column('Desired', 'integer', 'Number of desired pods. This is a pointer to distinguish between explicit zero and not specified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller', (obj) => (obj.spec as { replicas?: number } | undefined)?.replicas ?? 0),
  column('Current', 'integer', 'Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller', (obj) => statusCount(obj, 'replicas')),
  column('Ready', 'integer', 'The number of ready replicas for this replica set.', (obj) => statusCount(obj, 'readyReplicas')),
];

export const replicaSetStrategy = defineStrategy(
  { group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', namespaced: true, shortNames: ['rs'], categories: ['all'], subresources: ['scale', 'status'], tracksGeneration: true },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      ...replicaCountColumns,
      ageColumn,
      ...templateColumns(templateOfSpec),
      column('Selector', 'string', 'Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set. It must match the pod template\'s labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors', (obj) => formatLabelSelector(spec(obj).selector), 1),
    ],
    defaults: prepare,
    prepareForCreate: (obj) => {
      obj.status = { replicas: 0 };
    },
    validate,
    validateUpdate: immutableSelector,
    selectableFields: replicasSelectableFields,
    scale: { selector: (obj) => selectorString(spec(obj).selector) },
  },
);
