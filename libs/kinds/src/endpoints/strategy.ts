// core/v1 Endpoints: the addresses behind a Service, with `kubectl get endpoints`' columns.
import { ageColumn, field, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';

interface EndpointSubset {
  addresses?: { ip: string }[];
  notReadyAddresses?: { ip: string }[];
  ports?: { name?: string; port: number; protocol?: string }[];
}

const subsets = (obj: KubeObject) => (obj.subsets ?? []) as EndpointSubset[];

/** `10.0.0.1:443,10.0.0.2:443 + 3 more...`, as kubectl prints endpoints. */
function endpointsCell(obj: KubeObject): string {
  const pairs: string[] = [];
  for (const s of subsets(obj)) {
    for (const a of s.addresses ?? []) for (const p of s.ports?.length ? s.ports : [undefined]) pairs.push(p ? `${a.ip}:${p.port}` : a.ip);
  }
  if (pairs.length === 0) return '<none>';
  return pairs.length > 3 ? `${pairs.slice(0, 3).join(',')} + ${pairs.length - 3} more...` : pairs.join(',');
}

export const endpointsStrategy = defineStrategy(
  { group: '', version: 'v1', resource: 'endpoints', storagePrefix: 'services/endpoints', kind: 'Endpoints', deprecation: { since: '1.33', replacement: { groupVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' } }, namespaced: true, shortNames: ['ep'], singularName: 'endpoints' },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      { name: 'Endpoints', type: 'string', format: '', description: 'Endpoints is the list of endpoints in this service.', priority: 0, cell: endpointsCell },
      ageColumn,
    ],
    defaults(obj) {
      for (const s of subsets(obj)) for (const p of s.ports ?? []) p.protocol ??= 'TCP';
    },
    validate(obj) {
      const errs: FieldError[] = [];
      subsets(obj).forEach((s, i) => {
        (s.ports ?? []).forEach((p, j) => {
          if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) {
            errs.push(field.invalid(`subsets[${i}].ports[${j}].port`, p.port, 'must be between 1 and 65535, inclusive'));
          }
        });
      });
      return errs;
    },
  },
);
