// resource.k8s.io/v1 ResourceClaim: a request for devices (DRA), allocated by the scheduler into
// status and reserved for the pods that use it. Its spec never changes once created.
import { ageColumn, deepEqual, field, isDns1123Subdomain, nameColumn, type KubeObject } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';
import { column } from '../table-columns.js';
import { defaultClaimSpec, validateClaimSpec, type ResourceClaimSpec } from './device-claim.js';

interface ResourceClaimStatus {
  allocation?: object | null;
  reservedFor?: unknown[] | null;
}

/** kube's printer: deleted, pending, allocated, reserved or deallocating, comma-separated. */
function claimState(obj: KubeObject): string {
  const status = (obj.status ?? {}) as ResourceClaimStatus;
  const deleted = Boolean(obj.metadata?.deletionTimestamp);
  const states: string[] = deleted ? ['deleted'] : [];
  if (!status.allocation) {
    if (!deleted) states.push('pending');
  } else {
    states.push('allocated');
    if (status.reservedFor?.length) states.push('reserved');
    else if (deleted) states.push('deallocating');
  }
  return states.join(',');
}

export const resourceClaimStrategy = defineStrategy(
  {
    group: 'resource.k8s.io',
    version: 'v1',
    resource: 'resourceclaims',
    kind: 'ResourceClaim',
    namespaced: true,
    subresources: ['status'],
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [nameColumn, column('State', 'string', 'A summary of the current state (allocated, pending, reserved, etc.).', claimState), ageColumn],
    defaults(obj) {
      defaultClaimSpec(obj.spec as ResourceClaimSpec | undefined);
    },
    prepareForCreate(obj) {
      // kube's status is a struct, never absent: an empty one until the scheduler allocates.
      obj.status = {};
    },
    validate: (obj) => validateClaimSpec(obj.spec as ResourceClaimSpec | undefined, 'spec'),
    validateUpdate(obj, old) {
      return deepEqual(obj.spec ?? {}, old.spec ?? {}) ? [] : [field.invalid('spec', obj.spec ?? null, 'field is immutable')];
    },
  },
);
