// storage.k8s.io/v1 CSINode: the CSI drivers a kubelet registered on its node, named after the node.
// A driver once listed never changes; drivers may be added and removed.
import { ageColumn, deepEqual, field, isDns1123Subdomain, isQualifiedName, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';
import { column } from '../table-columns.js';

export interface CSINodeDriver {
  name?: string;
  nodeID?: string;
  topologyKeys?: string[] | null;
  allocatable?: { count?: number | null } | null;
}

const DRIVER_NAME_MAX_LENGTH = 63;
const NODE_ID_MAX_LENGTH = 192;

const drivers = (obj: KubeObject): CSINodeDriver[] => {
  const list = (obj.spec as { drivers?: unknown } | undefined)?.drivers;
  return Array.isArray(list) ? (list as CSINodeDriver[]) : [];
};

/** kube's ValidateCSIDriverName: required, at most 63 characters, a DNS subdomain once lower-cased. */
export function validateCsiDriverName(name: string | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const value = name ?? '';
  if (!value) errs.push(field.required(path));
  if (value.length > DRIVER_NAME_MAX_LENGTH) errs.push(field.tooLong(path, DRIVER_NAME_MAX_LENGTH));
  for (const msg of isDns1123Subdomain(value.toLowerCase())) errs.push(field.invalid(path, value, msg));
  return errs;
}

function validateDriver(driver: CSINodeDriver, seen: Set<string>, at: string): FieldError[] {
  const errs = validateCsiDriverName(driver?.name, `${at}.name`);
  const nodeId = driver?.nodeID ?? '';
  if (!nodeId) errs.push(field.required(`${at}.nodeID`));
  else if (nodeId.length > NODE_ID_MAX_LENGTH) errs.push(field.invalid(`${at}.nodeID`, nodeId, `must be ${NODE_ID_MAX_LENGTH} characters or less`));
  const count = driver?.allocatable?.count;
  if (typeof count === 'number' && count < 0) errs.push(field.invalid(`${at}.allocatable.count`, count, 'must be greater than or equal to 0'));
  const name = driver?.name ?? '';
  if (seen.has(name)) errs.push(field.duplicate(`${at}.name`, name));
  seen.add(name);
  // kube reports a topology key's errors at the driver's path, not the key's.
  const keys = new Set<string>();
  for (const key of driver?.topologyKeys ?? []) {
    if (!key) errs.push(field.required(at));
    if (keys.has(key)) errs.push(field.duplicate(at, key));
    keys.add(key);
    for (const msg of isQualifiedName(key)) errs.push(field.invalid(at, key, msg));
  }
  return errs;
}

/** A driver as kube's internal Go type renders in an error: field names capitalised, absent ones null. */
const goDriver = (d: CSINodeDriver) => ({
  Name: d?.name ?? '',
  NodeID: d?.nodeID ?? '',
  TopologyKeys: d?.topologyKeys ?? null,
  Allocatable: d?.allocatable ? { Count: d.allocatable.count ?? null } : null,
});

export const csiNodeStrategy = defineStrategy(
  {
    group: 'storage.k8s.io',
    version: 'v1',
    resource: 'csinodes',
    kind: 'CSINode',
    namespaced: false,
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [nameColumn, column('Drivers', 'integer', 'Drivers indicates the number of CSI drivers registered on the node', (obj) => drivers(obj).length), ageColumn],
    defaults(obj) {
      if (!obj.spec || typeof obj.spec !== 'object') obj.spec = {};
    },
    validate(obj) {
      const seen = new Set<string>();
      return drivers(obj).flatMap((d, i) => validateDriver(d, seen, `spec.drivers[${i}]`));
    },
    validateUpdate(obj, old) {
      // A driver of the same name stays as it was, its allocatable count too (kube 1.34 leaves
      // MutableCSINodeAllocatableCount off).
      const errs: FieldError[] = [];
      for (const before of drivers(old)) {
        for (const after of drivers(obj)) {
          if (before?.name === after?.name && !deepEqual(before, after)) errs.push(field.invalid('spec.drivers', goDriver(after), 'field is immutable'));
        }
      }
      return errs;
    },
  },
);
