// apiregistration.k8s.io/v1 APIService: which server answers a group/version. A "Local" APIService
// (no spec.service) is one the kube-apiserver serves itself; the registry keeps one per built-in
// group/version (see localApiServices). The name must be `<version>.<group>`.
import { ageColumn, field, isDns1123Subdomain, nameColumn, nowTimestamp, type FieldError, type KubeObject, isValidPathSegmentName } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';
import { column, findCondition, specOf, type Condition } from '../table-columns.js';

export interface APIServiceSpec {
  service?: { namespace?: string; name?: string; port?: number };
  group?: string;
  version?: string;
  insecureSkipTLSVerify?: boolean;
  caBundle?: string;
  groupPriorityMinimum?: number;
  versionPriority?: number;
}

const spec = (obj: KubeObject) => (obj.spec ?? {}) as APIServiceSpec;
const conditions = (obj: KubeObject) => ((obj.status as { conditions?: Condition[] } | undefined)?.conditions ?? []);
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

function validate(obj: KubeObject): FieldError[] {
  const s = spec(obj);
  const errs: FieldError[] = [];
  const name = obj.metadata?.name ?? '';
  const required = `${s.version ?? ''}.${s.group ?? ''}`;
  if (name && !isValidPathSegmentName(name).length && name !== required) errs.push(field.invalid('metadata.name', name, `must be \`spec.version+"."+spec.group\`: ${JSON.stringify(required)}`));
  if (!s.group && s.version !== 'v1') errs.push(field.required('spec.group', 'only v1 may have an empty group and it better be legacy kube'));
  if (s.group) for (const e of isDns1123Subdomain(s.group)) errs.push(field.invalid('spec.group', s.group, e));
  if (!DNS1035_LABEL.test(s.version ?? '')) {
    errs.push(field.invalid('spec.version', s.version ?? '', "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"));
  }
  const gpm = s.groupPriorityMinimum ?? 0;
  if (gpm <= 0 || gpm > 20000) errs.push(field.invalid('spec.groupPriorityMinimum', gpm, 'must be positive and less than 20000'));
  const vp = s.versionPriority ?? 0;
  if (vp <= 0 || vp > 1000) errs.push(field.invalid('spec.versionPriority', vp, 'must be positive and less than 1000'));
  if (!s.service) {
    if (s.caBundle) errs.push(field.invalid('spec.caBundle', `${Buffer.from(s.caBundle, 'base64').length} bytes`, 'local APIServices may not have a caBundle'));
    if (s.insecureSkipTLSVerify) errs.push(field.invalid('spec.insecureSkipTLSVerify', true, 'local APIServices may not have insecureSkipTLSVerify'));
    return errs;
  }
  if (!s.service.namespace) errs.push(field.required('spec.service.namespace'));
  if (!s.service.name) errs.push(field.required('spec.service.name'));
  const port = s.service.port ?? 443;
  if (!Number.isInteger(port) || port < 1 || port > 65535) errs.push(field.invalid('spec.service.port', port, 'must be between 1 and 65535, inclusive'));
  if (s.insecureSkipTLSVerify && s.caBundle) errs.push(field.invalid('spec.insecureSkipTLSVerify', true, 'may not be true if caBundle is present'));
  return errs;
}

const localAvailable = (now: string): Condition => ({ type: 'Available', status: 'True', lastTransitionTime: now, reason: 'Local', message: 'Local APIServices are always available' });

/** The AVAILABLE cell: the condition's status, with its reason when not True. */
function availableCell(obj: KubeObject): string {
  const c = findCondition(conditions(obj), 'Available');
  if (!c) return 'Unknown';
  return c.status === 'True' ? 'True' : `${c.status ?? ''} (${c.reason ?? ''})`;
}

function prepare(obj: KubeObject): void {
  const service = specOf<APIServiceSpec>(obj).service;
  if (service && typeof service === 'object') service.port ??= 443;
}

export const apiServiceStrategy = defineStrategy(
  {
    group: 'apiregistration.k8s.io',
    version: 'v1',
    resource: 'apiservices',
    kind: 'APIService',
    namespaced: false,
    categories: ['api-extensions'],
    subresources: ['status'],
    storagePrefix: 'apiregistration.k8s.io/apiservices',
  },
  {
    validateName: isValidPathSegmentName,
    tableColumns: [
      nameColumn,
      column('Service', 'string', 'The reference to the service that hosts this API endpoint.', (obj) => {
        const s = spec(obj).service;
        return s ? `${s.namespace ?? ''}/${s.name ?? ''}` : 'Local';
      }),
      column('Available', 'string', 'Whether this service is available.', availableCell),
      ageColumn,
    ],
    defaults: prepare,
    prepareForCreate(obj) {
      // A remote APIService's availability is for a controller to find out; a local one is always
      // available, as kube's availability controller reports at once.
      obj.status = spec(obj).service ? {} : { conditions: [localAvailable(nowTimestamp())] };
    },
    validate,
  },
);

/**
 * kube-apiserver's priorities of its own group/versions (groupPriorityMinimum, versionPriority), from
 * which discovery orders groups; a group not listed gets the lowest.
 */
const PRIORITIES: Record<string, [number, number]> = {
  '/v1': [18000, 1],
  'apiregistration.k8s.io/v1': [18000, 15],
  'apps/v1': [17800, 15],
  'events.k8s.io/v1': [17750, 15],
  'authentication.k8s.io/v1': [17700, 15],
  'authorization.k8s.io/v1': [17600, 15],
  'autoscaling/v2': [17500, 30],
  'autoscaling/v1': [17500, 15],
  'batch/v1': [17400, 15],
  'certificates.k8s.io/v1': [17300, 15],
  'networking.k8s.io/v1': [17200, 15],
  'policy/v1': [17100, 15],
  'rbac.authorization.k8s.io/v1': [17000, 15],
  'storage.k8s.io/v1': [16800, 15],
  'apiextensions.k8s.io/v1': [16700, 15],
  'admissionregistration.k8s.io/v1': [16700, 15],
  'scheduling.k8s.io/v1': [16600, 15],
  'coordination.k8s.io/v1': [16500, 15],
  'node.k8s.io/v1': [16300, 15],
  'discovery.k8s.io/v1': [16200, 15],
  'flowcontrol.apiserver.k8s.io/v1': [16100, 21],
  'resource.k8s.io/v1': [16200, 21],
};

/** The local APIService kube-apiserver registers for each group/version it serves itself. */
export function localApiServices(groupVersions: { group: string; version: string }[]): KubeObject[] {
  return groupVersions.map(({ group, version }) => {
    const [groupPriorityMinimum, versionPriority] = PRIORITIES[`${group}/${version}`] ?? [1000, 15];
    return {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: `${version}.${group}`, labels: { 'kube-aggregator.kubernetes.io/automanaged': 'onstart' } },
      spec: { group, version, groupPriorityMinimum, versionPriority },
    };
  });
}
