// storage.k8s.io/v1 CSIStorageCapacity: the capacity a CSI driver reports for one storage class in
// one topology segment, for the scheduler to weigh. Only capacity and maximumVolumeSize change.
import { deepEqual, field, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';
import { column } from '../table-columns.js';
import { validateLabelSelector, type LabelSelectorObject } from '../label-selector.js';
import { formatQuantity, readQuantity } from '../resourcequota/quantity.js';

interface CSIStorageCapacity extends KubeObject {
  nodeTopology?: LabelSelectorObject | null;
  storageClassName?: string;
  capacity?: unknown;
  maximumVolumeSize?: unknown;
}

function validate(obj: KubeObject): FieldError[] {
  const c = obj as CSIStorageCapacity;
  const errs: FieldError[] = [];
  if (c.nodeTopology) errs.push(...validateLabelSelector(c.nodeTopology, 'nodeTopology'));
  const className = c.storageClassName ?? '';
  for (const msg of isDns1123Subdomain(className)) errs.push(field.invalid('storageClassName', className, msg));
  const capacity = c.capacity === undefined || c.capacity === null ? undefined : readQuantity(c.capacity);
  if (capacity && capacity.value < 0n) errs.push(field.invalid('capacity', formatQuantity(capacity), 'must be greater than or equal to 0'));
  return errs;
}

export const csiStorageCapacityStrategy = defineStrategy(
  {
    group: 'storage.k8s.io',
    version: 'v1',
    resource: 'csistoragecapacities',
    kind: 'CSIStorageCapacity',
    namespaced: true,
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      // kube prints the creation time itself here, not an age.
      column(
        'Created At',
        'date',
        'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
        (obj) => obj.metadata?.creationTimestamp ?? '',
      ),
    ],
    validate,
    validateUpdate(obj, old) {
      const [c, o] = [obj as CSIStorageCapacity, old as CSIStorageCapacity];
      const errs: FieldError[] = [];
      if (!deepEqual(c.nodeTopology ?? null, o.nodeTopology ?? null)) errs.push(field.invalid('nodeTopology', c.nodeTopology ?? null, 'field is immutable'));
      if ((c.storageClassName ?? '') !== (o.storageClassName ?? '')) errs.push(field.invalid('storageClassName', c.storageClassName ?? '', 'field is immutable'));
      return errs;
    },
  },
);
