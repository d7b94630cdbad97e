// resource.k8s.io/v1 DeviceClass: the selectors and configuration a ResourceClaim gets by naming the
// class (DRA). Cluster-scoped, written by administrators or drivers' installers.
import { ageColumn, field, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';

interface DeviceClassSpec {
  selectors?: ({ cel?: { expression?: string } | null } | null)[] | null;
}

const MAX_SELECTORS = 32;

function validate(obj: KubeObject): FieldError[] {
  const spec = (obj.spec ?? {}) as DeviceClassSpec;
  const selectors = Array.isArray(spec.selectors) ? spec.selectors : [];
  const errs: FieldError[] = [];
  if (selectors.length > MAX_SELECTORS) errs.push(field.tooMany('spec.selectors', selectors.length, MAX_SELECTORS));
  selectors.forEach((selector, i) => {
    if (!selector?.cel) errs.push(field.required(`spec.selectors[${i}].cel`));
  });
  return errs;
}

export const deviceClassStrategy = defineStrategy(
  {
    group: 'resource.k8s.io',
    version: 'v1',
    resource: 'deviceclasses',
    kind: 'DeviceClass',
    namespaced: false,
    tracksGeneration: true,
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [nameColumn, ageColumn],
    validate,
  },
);
