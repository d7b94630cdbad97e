// networking.k8s.io/v1 ServiceCIDR: a block (one per IP family) Services' cluster IPs are allocated
// from. The blocks never change, except that a single-stack one may gain its second family.
import { ageColumn, field, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';
import { column } from '../table-columns.js';
import { cidrFamily, validateCidr } from './ip-validation.js';

const cidrsOf = (obj: KubeObject): string[] => {
  const cidrs = (obj.spec as { cidrs?: unknown } | undefined)?.cidrs;
  return Array.isArray(cidrs) ? (cidrs as string[]) : [];
};

const PATH = 'spec.cidrs';

function validateCidrs(cidrs: string[]): FieldError[] {
  if (cidrs.length === 0) return [field.required(PATH, 'at least one CIDR required')];
  // kube names the whole spec, as its internal Go type renders.
  if (cidrs.length > 2) return [field.invalid(PATH, { CIDRs: cidrs }, 'may only hold up to 2 values')];
  const errs = cidrs.flatMap((cidr, i) => validateCidr(cidr, `${PATH}[${i}]`));
  if (cidrs.length === 2) {
    const [a, b] = cidrs.map(cidrFamily);
    if (a === undefined || b === undefined || a === b) errs.push(field.invalid(PATH, cidrs, 'may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64'));
  }
  return errs;
}

function validateCidrsUpdate(cidrs: string[], old: string[]): FieldError[] {
  if (cidrs.length === old.length) return old.flatMap((cidr, i) => (cidr === cidrs[i] ? [] : [field.invalid(`${PATH}[${i}]`, cidrs[i], 'field is immutable')]));
  // A single-stack block may become dual-stack, its first block kept.
  if (old.length === 1 && cidrs.length === 2) {
    return [...(cidrs[0] === old[0] ? [] : [field.invalid(`${PATH}[0]`, cidrs[0], 'field is immutable')]), ...validateCidrs(cidrs)];
  }
  return [field.invalid(PATH, cidrs, 'field is immutable')];
}

export const serviceCidrStrategy = defineStrategy(
  {
    group: 'networking.k8s.io',
    version: 'v1',
    resource: 'servicecidrs',
    kind: 'ServiceCIDR',
    namespaced: false,
    subresources: ['status'],
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      column(
        'CIDRs',
        'string',
        'CIDRs defines the IP blocks in CIDR notation (e.g. "192.168.0.0/24" or "2001:db8::/64") from which to assign service cluster IPs. Max of two CIDRs is allowed, one of each IP family. This field is immutable.',
        (obj) => cidrsOf(obj).join(',') || '<none>',
      ),
      ageColumn,
    ],
    prepareForCreate(obj) {
      delete obj.status;
    },
    validate: (obj) => validateCidrs(cidrsOf(obj)),
    validateUpdate: (obj, old) => validateCidrsUpdate(cidrsOf(obj), cidrsOf(old)),
  },
);

/**
 * The ServiceCIDR kube-apiserver keeps for its own --service-cluster-ip-range, named `kubernetes`
 * and marked ready (kube's default ServiceCIDR controller).
 */
export const DEFAULT_SERVICE_CIDR_NAME = 'kubernetes';

export function defaultServiceCidr(cidrs: string[], now: string): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'ServiceCIDR',
    metadata: { name: DEFAULT_SERVICE_CIDR_NAME },
    spec: { cidrs },
    status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now, reason: '', message: 'Kubernetes Service CIDR is ready' }] },
  };
}
