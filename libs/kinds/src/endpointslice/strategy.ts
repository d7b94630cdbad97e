// discovery.k8s.io/v1 EndpointSlice, with `kubectl get endpointslices`' columns.
import { ageColumn, field, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';

interface SliceFields {
  addressType?: string;
  endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[];
  ports?: { name?: string; port?: number; protocol?: string }[];
}

const slice = (obj: KubeObject) => obj as KubeObject & SliceFields;
const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];

function listCell(values: string[]): string {
  if (values.length === 0) return '<unset>';
  return values.length > 3 ? `${values.slice(0, 3).join(',')} + ${values.length - 3} more...` : values.join(',');
}

export const endpointSliceStrategy = defineStrategy(
  { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', kind: 'EndpointSlice', namespaced: true },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      { name: 'AddressType', type: 'string', format: '', description: 'The type of address carried by this EndpointSlice.', priority: 0, cell: (o) => slice(o).addressType ?? '' },
      { name: 'Ports', type: 'string', format: '', description: 'Ports of this EndpointSlice.', priority: 0, cell: (o) => listCell((slice(o).ports ?? []).map((p) => String(p.port ?? ''))) },
      { name: 'Endpoints', type: 'string', format: '', description: 'Endpoints of this EndpointSlice.', priority: 0, cell: (o) => listCell((slice(o).endpoints ?? []).flatMap((e) => e.addresses)) },
      ageColumn,
    ],
    validate(obj) {
      const errs: FieldError[] = [];
      const s = slice(obj);
      if (!s.addressType) errs.push(field.required('addressType'));
      else if (!ADDRESS_TYPES.includes(s.addressType)) errs.push(field.notSupported('addressType', s.addressType, ADDRESS_TYPES));
      (s.endpoints ?? []).forEach((e, i) => {
        if (!e.addresses?.length) errs.push(field.required(`endpoints[${i}].addresses`, 'must contain at least 1 address'));
      });
      return errs;
    },
    validateUpdate(obj, old) {
      return slice(obj).addressType !== slice(old).addressType ? [field.invalid('addressType', slice(obj).addressType, 'field is immutable')] : [];
    },
  },
);
