// coordination.k8s.io/v1 Lease: the lock leader election and node heartbeats renew. kube-apiserver
// 1.33 runs without the CoordinatedLeaderElection gate, so `strategy` and `preferredHolder` are
// dropped unless the stored lease already used them.
import { ageColumn, field, isDns1123Subdomain, isQualifiedName, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
  strategy?: string;
  preferredHolder?: string;
}

const LEASE_STRATEGIES = ['OldestEmulationVersion'];

const spec = (obj: KubeObject) => (obj.spec ?? {}) as LeaseSpec;

function validateStrategy(strategy: string, path: string): FieldError[] {
  // kube nests the field name once more than the spec path here; the paths are as kube prints them.
  if (!strategy.includes('/')) return LEASE_STRATEGIES.includes(strategy) ? [] : [field.notSupported(`${path}.strategy`, strategy, LEASE_STRATEGIES)];
  return isQualifiedName(strategy).map((msg) => field.invalid(`${path}.strategy`, strategy, msg));
}

function dropCoordinatedFields(obj: KubeObject, old?: KubeObject): void {
  if (!obj.spec || typeof obj.spec !== 'object') return;
  const s = obj.spec as LeaseSpec;
  const used = old && (spec(old).strategy !== undefined || spec(old).preferredHolder !== undefined);
  if (used) return;
  delete s.strategy;
  delete s.preferredHolder;
}

export const leaseStrategy = defineStrategy(
  {
    group: 'coordination.k8s.io',
    version: 'v1',
    resource: 'leases',
    kind: 'Lease',
    namespaced: true,
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      {
        name: 'Holder',
        type: 'string',
        format: '',
        description: 'holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.',
        priority: 0,
        cell: (obj) => spec(obj).holderIdentity ?? '',
      },
      ageColumn,
    ],
    prepareForCreate: (obj) => dropCoordinatedFields(obj),
    prepareForUpdate: (obj, old) => dropCoordinatedFields(obj, old),
    validate(obj) {
      const errs: FieldError[] = [];
      const s = spec(obj);
      if (s.leaseDurationSeconds !== undefined && s.leaseDurationSeconds !== null && s.leaseDurationSeconds <= 0) {
        errs.push(field.invalid('spec.leaseDurationSeconds', s.leaseDurationSeconds, 'must be greater than 0'));
      }
      if (s.leaseTransitions !== undefined && s.leaseTransitions !== null && s.leaseTransitions < 0) {
        errs.push(field.invalid('spec.leaseTransitions', s.leaseTransitions, 'must be greater than or equal to 0'));
      }
      if (s.strategy !== undefined && s.strategy !== null) errs.push(...validateStrategy(s.strategy, 'spec.strategy'));
      if (s.preferredHolder && !s.strategy) errs.push(field.forbidden('spec.preferredHolder', 'may only be specified if `strategy` is defined'));
      return errs;
    },
  },
);
