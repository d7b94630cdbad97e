import { ageColumn, field, isDns1123Label, isQualifiedName, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { defineStrategy, objectMetaFields } from '../strategy.js';

interface NamespaceSpec {
  finalizers?: string[];
}

const spec = (obj: KubeObject) => (obj.spec ?? {}) as NamespaceSpec;
const status = (obj: KubeObject) => (obj.status ?? {}) as { phase?: string };

/** kube labels every namespace with its own name so that selectors can pick namespaces by name. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Finalizers kube knows without a domain prefix. */
const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

export const namespaceStrategy = defineStrategy(
  {
    group: '',
    version: 'v1',
    resource: 'namespaces',
    kind: 'Namespace',
    namespaced: false,
    shortNames: ['ns'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: ['status', 'finalize'],
  },
  {
    validateName: isDns1123Label,
    tableColumns: [
      nameColumn,
      {
        name: 'Status',
        type: 'string',
        format: '',
        description: 'The status of the namespace',
        priority: 0,
        cell: (obj) => status(obj).phase ?? '',
      },
      ageColumn,
    ],
    // SetDefaults_Namespace: the namespace's name as a label (the strategy keeps it there).
    defaults(obj) {
      obj.metadata = { ...obj.metadata, labels: { ...obj.metadata?.labels, [NAMESPACE_NAME_LABEL]: obj.metadata?.name ?? '' } };
    },
    prepareForCreate(obj) {
      obj.status = { phase: 'Active' };
      const finalizers = spec(obj).finalizers ?? [];
      obj.spec = { ...spec(obj), finalizers: finalizers.includes('kubernetes') ? finalizers : [...finalizers, 'kubernetes'] };
      obj.metadata = { ...obj.metadata, labels: { ...obj.metadata?.labels, [NAMESPACE_NAME_LABEL]: obj.metadata?.name ?? '' } };
    },
    prepareForUpdate(obj, old) {
      obj.status = old.status;
      obj.spec = old.spec;
      obj.metadata = { ...obj.metadata, labels: { ...obj.metadata?.labels, [NAMESPACE_NAME_LABEL]: obj.metadata?.name ?? '' } };
    },
    validate(obj) {
      const errs: FieldError[] = [];
      for (const f of spec(obj).finalizers ?? []) {
        for (const msg of isQualifiedName(f)) errs.push(field.invalid('spec.finalizers', f, msg));
        if (!f.includes('/') && !STANDARD_FINALIZERS.has(f)) {
          errs.push(field.invalid('spec.finalizers', f, 'name is neither a standard finalizer name nor is it fully qualified'));
        }
      }
      return errs;
    },
    // The namespace controller empties a terminating namespace and then removes its finalizer.
    finalizesOnDelete: (obj) => (spec(obj).finalizers ?? []).length > 0,
    prepareForDelete(obj) {
      obj.status = { ...status(obj), phase: 'Terminating' };
    },
    selectableFields: (obj) => ({ ...objectMetaFields(obj, false), 'status.phase': status(obj).phase ?? '' }),
  },
);
