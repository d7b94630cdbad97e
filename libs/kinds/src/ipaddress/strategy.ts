// networking.k8s.io/v1 IPAddress: one allocated IP, named by the address in canonical form, with the
// object it is allocated to (a Service). Its parent never changes.
import { deepEqual, field, isDns1123Subdomain, isValidPathSegmentName, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';
import { column } from '../table-columns.js';
import { ipAddressMessages } from '../servicecidr/ip-validation.js';

interface ParentReference {
  group?: string;
  resource?: string;
  namespace?: string;
  name?: string;
}

const parentOf = (obj: KubeObject): ParentReference | undefined => (obj.spec as { parentRef?: ParentReference | null } | undefined)?.parentRef ?? undefined;

function validateParent(ref: ParentReference | undefined): FieldError[] {
  const at = 'spec.parentRef';
  if (!ref) return [field.required(at)];
  const errs: FieldError[] = [];
  // The core group (Services') is empty, so a group is checked only when given.
  if (ref.group) for (const msg of isDns1123Subdomain(ref.group)) errs.push(field.invalid(`${at}.group`, ref.group, msg));
  if (!ref.resource) errs.push(field.required(`${at}.resource`));
  else for (const msg of isValidPathSegmentName(ref.resource)) errs.push(field.invalid(`${at}.resource`, ref.resource, msg));
  if (!ref.name) errs.push(field.required(`${at}.name`));
  else for (const msg of isValidPathSegmentName(ref.name)) errs.push(field.invalid(`${at}.name`, ref.name, msg));
  if (ref.namespace) for (const msg of isValidPathSegmentName(ref.namespace)) errs.push(field.invalid(`${at}.namespace`, ref.namespace, msg));
  return errs;
}

/** kube's printer: `resource[.group][/namespace]/name`, `<none>` without a parent. */
function formatParent(ref: ParentReference | undefined): string {
  if (!ref) return '<none>';
  const groupResource = (ref.group ? `${ref.resource ?? ''}.${ref.group}` : (ref.resource ?? '')).toLowerCase();
  return `${groupResource}${ref.namespace ? `/${ref.namespace}` : ''}/${ref.name ?? ''}`;
}

/** The reference as kube's internal Go type renders in an error. */
const goParent = (ref: ParentReference | undefined) =>
  ref ? { Group: ref.group ?? '', Resource: ref.resource ?? '', Namespace: ref.namespace ?? '', Name: ref.name ?? '' } : null;

export const ipAddressStrategy = defineStrategy(
  {
    group: 'networking.k8s.io',
    version: 'v1',
    resource: 'ipaddresses',
    kind: 'IPAddress',
    namespaced: false,
    shortNames: ['ip'],
  },
  {
    validateName: ipAddressMessages,
    // kube prints no age for addresses.
    tableColumns: [nameColumn, column('ParentRef', 'string', 'ParentRef references the resource that an IPAddress is attached to. An IPAddress must reference a parent object.', (obj) => formatParent(parentOf(obj)))],
    validate: (obj) => validateParent(parentOf(obj)),
    validateUpdate(obj, old) {
      return deepEqual(parentOf(obj) ?? null, parentOf(old) ?? null) ? [] : [field.invalid('spec.parentRef', goParent(parentOf(obj)), 'field is immutable')];
    },
  },
);

/**
 * The IPAddress kube's cluster IP allocator keeps for a Service's address: named by the address,
 * labelled with its family and its manager, its parent the Service.
 */
export function serviceIpAddress(ip: string, service: { namespace: string; name: string }): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IPAddress',
    metadata: {
      name: ip,
      labels: { 'ipaddress.kubernetes.io/ip-family': ip.includes(':') ? 'IPv6' : 'IPv4', 'ipaddress.kubernetes.io/managed-by': 'ipallocator.k8s.io' },
    },
    spec: { parentRef: { group: '', resource: 'services', namespace: service.namespace, name: service.name } },
  };
}
