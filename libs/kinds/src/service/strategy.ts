// core/v1 Service: kube's defaults (type ClusterIP, sessionAffinity None, TCP, targetPort = port,
// single-stack IPv4), validation of what users hit most, and `kubectl get svc`'s columns. Cluster IPs
// and node ports are allocated by the registry around the create (see the registry's service
// allocation hooks), not here: a strategy is stateless.
import {
  ageColumn,
  field,
  isDns1123Label,
  isDns1123Subdomain,
  nameColumn,
  validateLabels,
  type FieldError,
  type KubeObject,
} from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';

export interface ServicePort {
  name?: string;
  protocol?: string;
  port?: number;
  targetPort?: number | string;
  nodePort?: number;
  appProtocol?: string;
}

export interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ports?: ServicePort[];
  selector?: Record<string, string>;
  sessionAffinity?: string;
  externalName?: string;
  externalIPs?: string[];
  externalTrafficPolicy?: string;
  internalTrafficPolicy?: string;
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  allocateLoadBalancerNodePorts?: boolean;
  loadBalancerIP?: string;
}

export const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

export const serviceSpec = (obj: KubeObject) => (obj.spec ?? {}) as ServiceSpec;

/** Whether a Service of this spec gets node ports. */
export const needsNodePorts = (spec: ServiceSpec) => spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);

/** Whether a Service of this spec gets a cluster IP from the range. */
export const needsClusterIp = (spec: ServiceSpec) => spec.type !== 'ExternalName' && spec.clusterIP !== 'None';

function applyDefaults(spec: ServiceSpec): void {
  spec.type ??= 'ClusterIP';
  if (spec.type === 'ExternalName') return;
  spec.sessionAffinity ??= 'None';
  spec.internalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  spec.ipFamilies ??= ['IPv4'];
  spec.ipFamilyPolicy ??= 'SingleStack';
  if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
  for (const port of spec.ports ?? []) {
    port.protocol ??= 'TCP';
    port.targetPort ??= port.port;
  }
}

function validPort(n: unknown): boolean {
  return Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 65535;
}

function validateSpec(spec: ServiceSpec): FieldError[] {
  const errs: FieldError[] = [];
  if (!SERVICE_TYPES.includes(spec.type ?? '')) errs.push(field.notSupported('spec.type', spec.type, SERVICE_TYPES));
  if (spec.type === 'ExternalName') {
    if (!spec.externalName) errs.push(field.required('spec.externalName'));
    else for (const msg of isDns1123Subdomain(spec.externalName)) errs.push(field.invalid('spec.externalName', spec.externalName, msg));
    return errs;
  }
  const ports = spec.ports ?? [];
  if (ports.length === 0 && spec.clusterIP !== 'None') errs.push(field.required('spec.ports'));
  const names = new Set<string>();
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    const path = `spec.ports[${i}]`;
    if (ports.length > 1 && !p.name) errs.push(field.required(`${path}.name`));
    if (p.name) {
      for (const msg of isDns1123Label(p.name)) errs.push(field.invalid(`${path}.name`, p.name, msg));
      if (names.has(p.name)) errs.push(field.duplicate(`${path}.name`, p.name));
      names.add(p.name);
    }
    if (!validPort(p.port)) errs.push(field.invalid(`${path}.port`, p.port, 'must be between 1 and 65535, inclusive'));
    if (!PROTOCOLS.includes(p.protocol ?? '')) errs.push(field.notSupported(`${path}.protocol`, p.protocol, PROTOCOLS));
    if (typeof p.targetPort === 'number' && !validPort(p.targetPort)) {
      errs.push(field.invalid(`${path}.targetPort`, p.targetPort, 'must be between 1 and 65535, inclusive'));
    } else if (typeof p.targetPort === 'string') {
      for (const msg of isDns1123Label(p.targetPort)) errs.push(field.invalid(`${path}.targetPort`, p.targetPort, msg));
    }
    if (p.nodePort !== undefined && p.nodePort !== 0) {
      if (!needsNodePorts(spec)) errs.push(field.forbidden(`${path}.nodePort`, 'may not be used when `type` is \'ClusterIP\''));
      else if (!validPort(p.nodePort)) errs.push(field.invalid(`${path}.nodePort`, p.nodePort, 'must be between 1 and 65535, inclusive'));
    }
    const key = `${p.port}/${p.protocol}`;
    if (seen.has(key)) errs.push(field.duplicate(`${path}`, { port: p.port, protocol: p.protocol }));
    seen.add(key);
  });
  if (spec.sessionAffinity && !['ClientIP', 'None'].includes(spec.sessionAffinity)) {
    errs.push(field.notSupported('spec.sessionAffinity', spec.sessionAffinity, ['ClientIP', 'None']));
  }
  errs.push(...validateLabels(spec.selector, 'spec.selector'));
  return errs;
}

function portsCell(spec: ServiceSpec): string {
  const ports = spec.ports ?? [];
  if (ports.length === 0) return '<none>';
  return ports.map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol}` : `${p.port}/${p.protocol}`)).join(',');
}

function externalIpCell(obj: KubeObject): string {
  const spec = serviceSpec(obj);
  const ingress = ((obj.status as { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } } | undefined)?.loadBalancer?.ingress ?? [])
    .map((i) => i.ip || i.hostname)
    .filter(Boolean) as string[];
  switch (spec.type) {
    case 'ExternalName':
      return spec.externalName ?? '<none>';
    case 'LoadBalancer': {
      const all = [...ingress, ...(spec.externalIPs ?? [])];
      return all.length ? all.join(',') : '<pending>';
    }
    default:
      return spec.externalIPs?.length ? spec.externalIPs.join(',') : '<none>';
  }
}

export const serviceStrategy = defineStrategy(
  {
    group: '',
    version: 'v1',
    resource: 'services',
    storagePrefix: 'services/specs',
    kind: 'Service',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    subresources: ['status'],
  },
  {
    validateName: isDns1123Label,
    tableColumns: [
      nameColumn,
      { name: 'Type', type: 'string', format: '', description: 'The type of the service.', priority: 0, cell: (o) => serviceSpec(o).type ?? '' },
      { name: 'Cluster-IP', type: 'string', format: '', description: 'The IP address of the service.', priority: 0, cell: (o) => serviceSpec(o).clusterIP ?? '' },
      { name: 'External-IP', type: 'string', format: '', description: 'The external IP address of the service.', priority: 0, cell: externalIpCell },
      { name: 'Port(s)', type: 'string', format: '', description: 'The ports the service listens on.', priority: 0, cell: (o) => portsCell(serviceSpec(o)) },
      ageColumn,
      {
        name: 'Selector',
        type: 'string',
        format: '',
        description: 'The selector of the service.',
        priority: 1,
        cell: (o) => {
          const sel = serviceSpec(o).selector ?? {};
          const parts = Object.keys(sel).sort().map((k) => `${k}=${sel[k]}`);
          return parts.length ? parts.join(',') : '<none>';
        },
      },
    ],
    defaults(obj) {
      const spec = structuredClone(serviceSpec(obj));
      applyDefaults(spec);
      obj.spec = spec;
    },
    prepareForCreate(obj) {
      obj.status = { loadBalancer: {} };
    },
    prepareForUpdate(obj, old) {
      const spec = structuredClone(serviceSpec(obj));
      const oldSpec = serviceSpec(old);
      // Allocated values carry over when an update leaves them out, as kube keeps them.
      if (!spec.clusterIP && oldSpec.clusterIP && spec.type !== 'ExternalName') {
        spec.clusterIP = oldSpec.clusterIP;
        spec.clusterIPs = oldSpec.clusterIPs;
      }
      for (const port of spec.ports ?? []) {
        const before = oldSpec.ports?.find((p) => p.port === port.port && (p.protocol ?? 'TCP') === (port.protocol ?? 'TCP'));
        if (!port.nodePort && before?.nodePort && needsNodePorts({ ...spec, type: spec.type ?? 'ClusterIP' })) port.nodePort = before.nodePort;
      }
      applyDefaults(spec);
      obj.spec = spec;
    },
    validate: (obj) => validateSpec(serviceSpec(obj)),
    validateUpdate(obj, old) {
      const errs: FieldError[] = [];
      const spec = serviceSpec(obj);
      const oldSpec = serviceSpec(old);
      if (oldSpec.clusterIP && oldSpec.type !== 'ExternalName' && spec.type !== 'ExternalName' && spec.clusterIP !== oldSpec.clusterIP) {
        errs.push(field.invalid('spec.clusterIPs[0]', spec.clusterIP ?? '', 'may not change once set'));
      }
      return errs;
    },
  },
);
