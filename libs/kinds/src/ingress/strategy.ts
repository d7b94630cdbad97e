// networking.k8s.io/v1 Ingress: HTTP routing from hosts and paths to Service backends. kube stores it
// under /registry/ingress (the key of its extensions/v1beta1 days). Status (the load balancer's
// addresses) is a subresource a controller writes.
import { ageColumn, field, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';
import { column } from '../table-columns.js';

interface Backend {
  service?: { name?: string; port?: { name?: string; number?: number } };
  resource?: { apiGroup?: string; kind?: string; name?: string };
}

interface IngressSpec {
  ingressClassName?: string;
  defaultBackend?: Backend;
  tls?: { hosts?: string[]; secretName?: string }[];
  rules?: { host?: string; http?: { paths?: { path?: string; pathType?: string; backend?: Backend }[] } }[];
}

interface LoadBalancerStatus {
  loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] };
}

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const spec = (obj: KubeObject) => (obj.spec ?? {}) as IngressSpec;
const IPV4 = /^(\d{1,3}\.){3}\d{1,3}$/;

function validateBackend(b: Backend, at: string): FieldError[] {
  if (b.service && b.resource) return [field.invalid(at, '', 'cannot set both resource and service backends')];
  if (b.resource) {
    const errs: FieldError[] = [];
    if (!b.resource.kind) errs.push(field.required(`${at}.resource.kind`));
    if (!b.resource.name) errs.push(field.required(`${at}.resource.name`));
    return errs;
  }
  if (!b.service) return [field.invalid(at, '', 'one backend (service or resource) must be specified')];
  const errs: FieldError[] = [];
  if (!b.service.name) errs.push(field.required(`${at}.service.name`));
  const port = b.service.port;
  if (!port || (port.name === undefined && port.number === undefined)) errs.push(field.required(`${at}.service.port`, 'port name or number is required'));
  else if (port.name && port.number) errs.push(field.invalid(`${at}.service.port`, port, 'cannot set both port name & port number'));
  else if (port.number !== undefined && (port.number < 1 || port.number > 65535)) errs.push(field.invalid(`${at}.service.port.number`, port.number, 'must be between 1 and 65535, inclusive'));
  return errs;
}

function validateHost(host: string, at: string): FieldError[] {
  if (IPV4.test(host) || host.includes(':')) return [field.invalid(at, host, 'must be a DNS name, not an IP address')];
  const name = host.startsWith('*.') ? host.slice(2) : host;
  return isDns1123Subdomain(name).map((e) => field.invalid(at, host, e));
}

function validate(obj: KubeObject): FieldError[] {
  const s = spec(obj);
  const errs: FieldError[] = [];
  const rules = s.rules ?? [];
  if (!rules.length && !s.defaultBackend) errs.push({ type: 'FieldValueInvalid', field: 'spec', detail: 'Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified' });
  if (s.defaultBackend) errs.push(...validateBackend(s.defaultBackend, 'spec.defaultBackend'));
  if (s.ingressClassName) errs.push(...isDns1123Subdomain(s.ingressClassName).map((e) => field.invalid('spec.ingressClassName', s.ingressClassName, e)));
  rules.forEach((rule, i) => {
    const at = `spec.rules[${i}]`;
    if (rule?.host) errs.push(...validateHost(rule.host, `${at}.host`));
    if (!rule?.http) return;
    const paths = rule.http.paths ?? [];
    if (!paths.length) errs.push(field.required(`${at}.http.paths`));
    paths.forEach((p, j) => {
      const pat = `${at}.http.paths[${j}]`;
      if (!p?.pathType) errs.push(field.required(`${pat}.pathType`, 'pathType must be specified'));
      else if (!PATH_TYPES.includes(p.pathType)) errs.push(field.notSupported(`${pat}.pathType`, p.pathType, PATH_TYPES));
      else if (p.pathType !== 'ImplementationSpecific' && !(p.path ?? '').startsWith('/')) errs.push(field.invalid(`${pat}.path`, p.path ?? '', 'must be an absolute path'));
      errs.push(...validateBackend(p?.backend ?? {}, `${pat}.backend`));
    });
  });
  return errs;
}

/** The HOSTS cell: up to three hosts, `*` for none. */
function hostsCell(obj: KubeObject): string {
  const rules = spec(obj).rules ?? [];
  const hosts = rules.map((r) => r?.host ?? '').filter(Boolean).slice(0, 3);
  if (!hosts.length) return '*';
  return rules.length > 3 ? `${hosts.join(',')} + ${rules.length - 3} more...` : hosts.join(',');
}

export const loadBalancerAddresses = (status: LoadBalancerStatus | undefined): string =>
  (status?.loadBalancer?.ingress ?? []).map((i) => i?.ip || i?.hostname || '').filter(Boolean).join(',');

export const ingressStrategy = defineStrategy(
  {
    group: 'networking.k8s.io',
    version: 'v1',
    resource: 'ingresses',
    kind: 'Ingress',
    namespaced: true,
    shortNames: ['ing'],
    subresources: ['status'],
    tracksGeneration: true,
    storagePrefix: 'ingress',
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      column('Class', 'string', 'The name of the IngressClass resource that should be used for this Ingress', (obj) => spec(obj).ingressClassName || '<none>'),
      column('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule', hostsCell),
      column('Address', 'string', 'Address is a list containing ingress points for the load-balancer', (obj) => loadBalancerAddresses(obj.status as LoadBalancerStatus)),
      column('Ports', 'string', 'Ports of TLS configurations that open', (obj) => (spec(obj).tls?.length ? '80, 443' : '80')),
      ageColumn,
    ],
    prepareForCreate(obj) {
      obj.status = { loadBalancer: {} };
    },
    validate,
  },
);
