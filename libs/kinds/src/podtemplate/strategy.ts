// core/v1 PodTemplate: a pod spec kept for others to stamp out. kube applies the pod spec defaults,
// counts template changes in metadata.generation, and prints NAME CONTAINERS IMAGES POD LABELS.
import { isDns1123Subdomain, nameColumn, type KubeObject, type TableColumn } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';
import { applyPodSpecDefaults, validatePodTemplateSpec, type PodTemplateSpec } from './pod-spec.js';

const template = (obj: KubeObject) => (obj.template ?? {}) as PodTemplateSpec;

/** labels.FormatLabels: sorted `k=v` pairs, or <none>. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${labels![k]}`).join(',') : '<none>';
}

const column = (name: string, description: string, cell: TableColumn['cell']): TableColumn => ({ name, type: 'string', format: '', description, priority: 0, cell });

function prepare(obj: KubeObject): void {
  if (!obj.template || typeof obj.template !== 'object') obj.template = {};
  const t = obj.template as PodTemplateSpec;
  if (!t.spec || typeof t.spec !== 'object') t.spec = {};
  applyPodSpecDefaults(t.spec);
}

export const podTemplateStrategy = defineStrategy(
  {
    group: '',
    version: 'v1',
    resource: 'podtemplates',
    kind: 'PodTemplate',
    namespaced: true,
    tracksGeneration: true,
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      column('Containers', 'Names of each container in the template.', (obj) => (template(obj).spec?.containers ?? []).map((c) => c?.name ?? '').join(',')),
      column('Images', 'Images referenced by each container in the template.', (obj) => (template(obj).spec?.containers ?? []).map((c) => c?.image ?? '').join(',')),
      column('Pod Labels', 'The labels for the pod template.', (obj) => formatLabels(template(obj).metadata?.labels)),
    ],
    defaults: prepare,
    validate: (obj) => validatePodTemplateSpec(template(obj), 'template'),
  },
);
