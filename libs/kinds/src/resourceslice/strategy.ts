// resource.k8s.io/v1 ResourceSlice: the devices a DRA driver publishes for one pool, on one node or a
// set of them. Driver, pool name and node never change.
import { ageColumn, field, isDns1123Label, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { defineStrategy, objectMetaFields } from '../strategy.js';
import { column } from '../table-columns.js';

interface ResourceSliceSpec {
  driver?: string;
  pool?: { name?: string; generation?: number; resourceSliceCount?: number } | null;
  nodeName?: string | null;
  nodeSelector?: object | null;
  allNodes?: boolean | null;
  perDeviceNodeSelection?: boolean | null;
  devices?: ({ name?: string } | null)[] | null;
}

const spec = (obj: KubeObject) => (obj.spec ?? {}) as ResourceSliceSpec;
const MAX_DEVICES = 128;
const POOL_NAME_MAX_LENGTH = 253;

function validatePoolName(name: string, path: string): FieldError[] {
  if (!name) return [field.required(path)];
  const errs: FieldError[] = [];
  if (name.length > POOL_NAME_MAX_LENGTH) errs.push(field.tooLong(path, POOL_NAME_MAX_LENGTH));
  // kube names the offending part, not the whole name.
  for (const part of name.split('/')) for (const msg of isDns1123Subdomain(part)) errs.push(field.invalid(path, part, msg));
  return errs;
}

function validate(obj: KubeObject): FieldError[] {
  const s = spec(obj);
  const errs: FieldError[] = [];
  const driver = s.driver ?? '';
  if (!driver) errs.push(field.required('spec.driver'));
  for (const msg of isDns1123Subdomain(driver)) errs.push(field.invalid('spec.driver', driver, msg));
  errs.push(...validatePoolName(s.pool?.name ?? '', 'spec.pool.name'));
  const count = s.pool?.resourceSliceCount ?? 0;
  if (count <= 0) errs.push(field.invalid('spec.pool.resourceSliceCount', count, 'must be greater than zero'));
  const generation = s.pool?.generation ?? 0;
  if (generation < 0) errs.push(field.invalid('spec.pool.generation', generation, 'must be greater than or equal to zero'));
  const chosen = [
    ['nodeName', Boolean(s.nodeName)],
    ['nodeSelector', Boolean(s.nodeSelector)],
    ['allNodes', Boolean(s.allNodes)],
    ['perDeviceNodeSelection', Boolean(s.perDeviceNodeSelection)],
  ]
    .filter(([, set]) => set)
    .map(([name]) => `\`${name as string}\``);
  const choices = 'exactly one of `nodeName`, `nodeSelector`, `allNodes`, `perDeviceNodeSelection` is required';
  if (chosen.length === 0) errs.push(field.required('spec', choices));
  else if (chosen.length > 1) errs.push(field.invalid('spec', `{${chosen.join(', ')}}`, `${choices}, but multiple fields are set`));
  if (s.nodeName) for (const msg of isDns1123Subdomain(s.nodeName)) errs.push(field.invalid('spec.nodeName', s.nodeName, msg));
  const devices = Array.isArray(s.devices) ? s.devices : [];
  if (devices.length > MAX_DEVICES) errs.push(field.tooMany('spec.devices', devices.length, MAX_DEVICES));
  devices.forEach((device, i) => {
    for (const msg of isDns1123Label(device?.name ?? '')) errs.push(field.invalid(`spec.devices[${i}].name`, device?.name ?? '', msg));
  });
  const names = new Set<string>();
  devices.forEach((device, i) => {
    const name = device?.name ?? '';
    if (names.has(name)) errs.push(field.duplicate(`spec.devices[${i}].name`, name));
    names.add(name);
  });
  return errs;
}

function validateUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const [s, o] = [spec(obj), spec(old)];
  const errs: FieldError[] = [];
  if ((s.driver ?? '') !== (o.driver ?? '')) errs.push(field.invalid('spec.driver', s.driver ?? '', 'field is immutable'));
  if ((s.pool?.name ?? '') !== (o.pool?.name ?? '')) errs.push(field.invalid('spec.pool.name', s.pool?.name ?? '', 'field is immutable'));
  if ((s.nodeName ?? '') !== (o.nodeName ?? '')) errs.push(field.invalid('spec.nodeName', s.nodeName ?? '', 'field is immutable'));
  return errs;
}

export const resourceSliceStrategy = defineStrategy(
  {
    group: 'resource.k8s.io',
    version: 'v1',
    resource: 'resourceslices',
    kind: 'ResourceSlice',
    namespaced: false,
    tracksGeneration: true,
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      column(
        'Node',
        'string',
        'NodeName identifies the node which provides the resources in this pool. A field selector can be used to list only ResourceSlice objects belonging to a certain node.\n\nThis field can be used to limit access from nodes to ResourceSlices with the same node name. It also indicates to autoscalers that adding new nodes of the same type as some old node might also make new resources available.\n\nExactly one of NodeName, NodeSelector, AllNodes, and PerDeviceNodeSelection must be set. This field is immutable.',
        (obj) => spec(obj).nodeName ?? '',
      ),
      column(
        'Driver',
        'string',
        'Driver identifies the DRA driver providing the capacity information. A field selector can be used to list only ResourceSlice objects with a certain driver name.\n\nMust be a DNS subdomain and should end with a DNS domain owned by the vendor of the driver. This field is immutable.',
        (obj) => spec(obj).driver ?? '',
      ),
      column(
        'Pool',
        'string',
        'Name is used to identify the pool. For node-local devices, this is often the node name, but this is not required.\n\nIt must not be longer than 253 characters and must consist of one or more DNS sub-domains separated by slashes. This field is immutable.',
        (obj) => spec(obj).pool?.name ?? '',
      ),
      ageColumn,
    ],
    validate,
    validateUpdate,
    // kubelets and drivers list the slices of one node or one driver.
    selectableFields: (obj) => ({ ...objectMetaFields(obj, false), 'spec.nodeName': spec(obj).nodeName ?? '', 'spec.driver': spec(obj).driver ?? '' }),
  },
);
