// resource.k8s.io/v1 DeviceClass: the selectors and configuration a ResourceClaim gets by naming the
// class (DRA). Cluster-scoped, written by administrators or drivers' installers.
import { ageColumn, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';
import { validateDeviceSelectors, type DeviceSelector } from './selectors.js';

interface DeviceClassSpec {
  selectors?: DeviceSelector[] | null;
}

const validate = (obj: KubeObject): FieldError[] => validateDeviceSelectors(((obj.spec ?? {}) as DeviceClassSpec).selectors, 'spec.selectors');

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
