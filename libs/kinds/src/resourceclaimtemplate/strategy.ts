// resource.k8s.io/v1 ResourceClaimTemplate: the ResourceClaim made for each pod that names the
// template. Its spec never changes once created.
import { ageColumn, deepEqual, field, isDns1123Subdomain, nameColumn } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';
import { defaultClaimSpec, validateClaimSpec, type ResourceClaimSpec } from '../resourceclaim/device-claim.js';

interface ResourceClaimTemplateSpec {
  metadata?: object;
  spec?: ResourceClaimSpec;
}

const templateOf = (spec: unknown): ResourceClaimTemplateSpec => (spec && typeof spec === 'object' ? (spec as ResourceClaimTemplateSpec) : {});

export const resourceClaimTemplateStrategy = defineStrategy(
  {
    group: 'resource.k8s.io',
    version: 'v1',
    resource: 'resourceclaimtemplates',
    kind: 'ResourceClaimTemplate',
    namespaced: true,
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [nameColumn, ageColumn],
    defaults(obj) {
      const template = (obj.spec && typeof obj.spec === 'object' ? obj.spec : (obj.spec = {})) as ResourceClaimTemplateSpec;
      // kube's template metadata is a struct, never absent.
      template.metadata ??= {};
      defaultClaimSpec(template.spec);
    },
    validate: (obj) => validateClaimSpec(templateOf(obj.spec).spec, 'spec.spec'),
    validateUpdate(obj, old) {
      return deepEqual(obj.spec ?? {}, old.spec ?? {}) ? [] : [field.invalid('spec', obj.spec ?? null, 'field is immutable')];
    },
  },
);
