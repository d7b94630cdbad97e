// storage.k8s.io/v1 VolumeAttributesClass: the mutable attributes (IOPS, throughput) a CSI driver
// applies to a volume that names the class. Neither the driver nor the parameters ever change.
import { ageColumn, deepEqual, field, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';
import { column } from '../table-columns.js';

interface VolumeAttributesClass extends KubeObject {
  driverName?: string;
  parameters?: Record<string, string> | null;
}

const MAX_PARAMETERS = 512;
const MAX_PARAMETERS_SIZE = 256 * 1024;

function validate(obj: KubeObject): FieldError[] {
  const c = obj as VolumeAttributesClass;
  // kube checks only that a driver is named, not the name's form.
  const errs: FieldError[] = c.driverName ? [] : [field.required('driverName')];
  const parameters = c.parameters ?? {};
  const keys = Object.keys(parameters);
  if (keys.length === 0) errs.push(field.required('parameters', 'must contain at least one key/value pair'));
  let size = 0;
  for (const key of keys) {
    if (!key) errs.push(field.invalid('parameters', key, 'field can not be empty.'));
    size += key.length + String(parameters[key]).length;
  }
  if (keys.length > MAX_PARAMETERS) errs.push(field.tooMany('parameters', keys.length, MAX_PARAMETERS));
  if (size > MAX_PARAMETERS_SIZE) errs.push(field.tooLong('parameters', MAX_PARAMETERS_SIZE));
  return errs;
}

export const volumeAttributesClassStrategy = defineStrategy(
  {
    group: 'storage.k8s.io',
    version: 'v1',
    resource: 'volumeattributesclasses',
    kind: 'VolumeAttributesClass',
    namespaced: false,
    shortNames: ['vac'],
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [nameColumn, column('DriverName', 'string', 'Name of the CSI driver This field is immutable.', (obj) => (obj as VolumeAttributesClass).driverName ?? ''), ageColumn],
    validate,
    validateUpdate(obj, old) {
      const [c, o] = [obj as VolumeAttributesClass, old as VolumeAttributesClass];
      const errs: FieldError[] = [];
      if ((c.driverName ?? '') !== (o.driverName ?? '')) errs.push(field.forbidden('driverName', 'updates to driverName are forbidden.'));
      if (!deepEqual(c.parameters ?? {}, o.parameters ?? {})) errs.push(field.forbidden('parameters', 'updates to parameters are forbidden.'));
      return errs;
    },
  },
);
