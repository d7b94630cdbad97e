// apps/v1 ControllerRevision: an immutable snapshot of a controller's template (data) and its
// revision number, printed as NAME CONTROLLER REVISION AGE.
import { ageColumn, field, isDns1123Subdomain, nameColumn, type KubeObject } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';
import { column, immutable, nonNegative } from '../workload/replicated.js';

/** The controlling owner as kubectl prints it: `<kind>.<group>/<name>`, or <none>. */
function controllerOf(obj: KubeObject): string {
  const owner = obj.metadata?.ownerReferences?.find((r) => r.controller);
  if (!owner) return '<none>';
  const group = owner.apiVersion.includes('/') ? owner.apiVersion.split('/')[0] : '';
  return `${(group ? `${owner.kind}.${group}` : owner.kind).toLowerCase()}/${owner.name}`;
}

export const controllerRevisionStrategy = defineStrategy(
  { group: 'apps', version: 'v1', resource: 'controllerrevisions', kind: 'ControllerRevision', namespaced: true },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      column('Controller', 'string', 'Controller of the object', controllerOf),
      column('Revision', 'string', 'Revision indicates the revision of the state represented by Data.', (obj) => (obj.revision as number | undefined) ?? 0),
      ageColumn,
    ],
    validate: (obj) => [...(obj.data === undefined || obj.data === null ? [field.required('data', 'data is mandatory')] : []), ...nonNegative(obj.revision, 'revision')],
    validateUpdate: (obj, old) => immutable(obj.data, old.data, 'data', (data) => {
      const bytes = [...Buffer.from(JSON.stringify(data))].map((b) => `0x${b.toString(16)}`);
      return `runtime.RawExtension{Raw:[]uint8{${bytes.join(', ')}}, Object:runtime.Object(nil)}`;
    }),
  },
);
