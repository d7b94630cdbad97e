// core/v1 ReplicationController: one replica by default, the selector (and the labels, when empty)
// taken from the template's labels, the scale subresource, and the columns NAME DESIRED CURRENT READY
// AGE (+ CONTAINERS IMAGES SELECTOR with -o wide). Stored under /registry/controllers, as kube does.
import { ageColumn, field, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { applyPodSpecDefaults, type PodTemplateSpec } from '../podtemplate/pod-spec.js';
import { formatLabels } from '../podtemplate/strategy.js';
import { replicaCountColumns, replicasSelectableFields } from '../replicaset/strategy.js';
import { defineStrategy } from '../strategy.js';
import { column, embeddedMetadata, nonNegative, specOf, templateColumns, templateOfSpec, validateSelectedTemplate } from '../workload/replicated.js';
import { setSelectorString } from '../label-selector.js';

interface ReplicationControllerSpec {
  replicas?: number;
  minReadySeconds?: number;
  selector?: Record<string, string> | null;
  template?: PodTemplateSpec | null;
}

const spec = (obj: KubeObject) => (obj.spec ?? {}) as ReplicationControllerSpec;

/** SetDefaults_ReplicationController: the template's labels stand in for an empty selector and labels. */
function prepare(obj: KubeObject): void {
  const s = specOf<ReplicationControllerSpec>(obj);
  const labels = s.template?.metadata?.labels;
  if (labels) {
    if (!Object.keys(s.selector ?? {}).length) s.selector = { ...labels };
    if (!Object.keys(obj.metadata?.labels ?? {}).length) obj.metadata = { ...obj.metadata, labels: { ...labels } };
  }
  s.replicas ??= 1;
  // The template is a pointer here: only one that was given gets defaults.
  if (s.template && typeof s.template === 'object') {
    embeddedMetadata(s.template as Record<string, unknown>);
    applyPodSpecDefaults((s.template.spec ??= {}));
  }
}

/** ValidateReplicationControllerSpec. */
function validate(obj: KubeObject): FieldError[] {
  const s = spec(obj);
  const selector = s.selector ?? {};
  return [
    ...nonNegative(s.minReadySeconds, 'spec.minReadySeconds'),
    ...(Object.keys(selector).length ? [] : [field.required('spec.selector')]),
    ...nonNegative(s.replicas, 'spec.replicas'),
    ...validateSelectedTemplate(s.template ?? undefined, { matchLabels: selector }, 'spec.template', { owner: 'ReplicationController' }),
  ];
}

export const replicationControllerStrategy = defineStrategy(
  {
    group: '',
    version: 'v1',
    resource: 'replicationcontrollers',
    kind: 'ReplicationController',
    namespaced: true,
    shortNames: ['rc'],
    categories: ['all'],
    subresources: ['scale', 'status'],
    tracksGeneration: true,
    storagePrefix: 'controllers',
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      ...replicaCountColumns,
      ageColumn,
      ...templateColumns(templateOfSpec),
      column('Selector', 'string', 'Selector is a label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template. Label keys and values that must match in order to be controlled by this replication controller, if empty defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors', (obj) => formatLabels(spec(obj).selector ?? undefined), 1),
    ],
    defaults: prepare,
    prepareForCreate: (obj) => {
      obj.status = { replicas: 0 };
    },
    // core/v1 keeps the pods of a deleted controller unless told otherwise, for compatibility.
    defaultGarbageCollectionPolicy: 'OrphanDependents',
    validate,
    selectableFields: replicasSelectableFields,
    scale: { selector: (obj) => setSelectorString(spec(obj).selector) },
  },
);
