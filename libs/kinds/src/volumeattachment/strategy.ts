// storage.k8s.io/v1 VolumeAttachment: the intent to attach a volume to a node, for a CSI attacher to
// carry out and report in status. The spec never changes once created.
import { ageColumn, deepEqual, field, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';
import { column } from '../table-columns.js';

interface VolumeAttachmentSpec {
  attacher?: string;
  nodeName?: string;
  source?: { persistentVolumeName?: string; inlineVolumeSpec?: object };
}

const spec = (obj: KubeObject) => (obj.spec ?? {}) as VolumeAttachmentSpec;

function validate(obj: KubeObject): FieldError[] {
  const s = spec(obj);
  const errs: FieldError[] = [];
  if (!s.attacher) errs.push(field.required('spec.attacher'));
  else for (const e of isDns1123Subdomain(s.attacher.toLowerCase())) errs.push(field.invalid('spec.attacher', s.attacher, e));
  if (!s.nodeName) errs.push(field.required('spec.nodeName'));
  else for (const e of isDns1123Subdomain(s.nodeName)) errs.push(field.invalid('spec.nodeName', s.nodeName, e));
  const pv = s.source?.persistentVolumeName;
  const inline = s.source?.inlineVolumeSpec;
  if (!pv === !inline) errs.push(field.required('spec.source', 'must specify exactly one of inlineVolumeSpec and persistentVolumeName'));
  else if (pv) for (const e of isDns1123Subdomain(pv)) errs.push(field.invalid('spec.source.persistentVolumeName', pv, e));
  return errs;
}

export const volumeAttachmentStrategy = defineStrategy(
  {
    group: 'storage.k8s.io',
    version: 'v1',
    resource: 'volumeattachments',
    kind: 'VolumeAttachment',
    namespaced: false,
    subresources: ['status'],
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      column('Attacher', 'string', 'Attacher indicates the name of the volume driver that MUST handle this request.', (obj) => spec(obj).attacher ?? ''),
      column('PV', 'string', 'Name of the persistent volume to attach.', (obj) => spec(obj).source?.persistentVolumeName ?? ''),
      column('Node', 'string', 'The node that the volume should be attached to.', (obj) => spec(obj).nodeName ?? ''),
      column('Attached', 'boolean', 'Indicates the volume is successfully attached.', (obj) => (obj.status as { attached?: boolean } | undefined)?.attached ?? false),
      ageColumn,
    ],
    prepareForCreate(obj) {
      obj.status = { attached: false };
    },
    validate,
    validateUpdate(obj, old) {
      return deepEqual(spec(obj), spec(old)) ? [] : [field.invalid('spec', obj.spec ?? null, 'field is immutable')];
    },
  },
);
