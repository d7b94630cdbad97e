// networking.k8s.io/v1 NetworkPolicy: which traffic may reach or leave the selected pods. policyTypes
// defaults to Ingress, plus Egress when egress rules are given.
import { ageColumn, field, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';
import { column, formatLabelSelector, specOf, type LabelSelectorSpec } from '../table-columns.js';
import { goStringSlice } from '../go-syntax.js';

interface Peer {
  podSelector?: LabelSelectorSpec;
  namespaceSelector?: LabelSelectorSpec;
  ipBlock?: { cidr?: string; except?: string[] };
}

interface PolicyPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}

interface NetworkPolicySpec {
  podSelector?: LabelSelectorSpec;
  ingress?: { ports?: PolicyPort[]; from?: Peer[] }[];
  egress?: { ports?: PolicyPort[]; to?: Peer[] }[];
  policyTypes?: string[];
}

const POLICY_TYPES = ['Egress', 'Ingress'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const spec = (obj: KubeObject) => (obj.spec ?? {}) as NetworkPolicySpec;

function applyDefaults(obj: KubeObject): void {
  const s = specOf<NetworkPolicySpec>(obj);
  s.podSelector ??= {};
  for (const rule of [...(s.ingress ?? []), ...(s.egress ?? [])]) for (const p of rule?.ports ?? []) if (p && typeof p === 'object') p.protocol ??= 'TCP';
  if (!s.policyTypes?.length) s.policyTypes = s.egress?.length ? ['Ingress', 'Egress'] : ['Ingress'];
}

function validatePorts(ports: PolicyPort[], at: string): FieldError[] {
  const errs: FieldError[] = [];
  ports.forEach((p, i) => {
    if (p?.protocol && !PROTOCOLS.includes(p.protocol)) errs.push(field.notSupported(`${at}[${i}].protocol`, p.protocol, PROTOCOLS));
    if (typeof p?.port === 'number' && (p.port < 1 || p.port > 65535)) errs.push(field.invalid(`${at}[${i}].port`, p.port, 'must be between 1 and 65535, inclusive'));
    if (p?.endPort !== undefined) {
      if (typeof p.port !== 'number') errs.push(field.required(`${at}[${i}].port`, 'must specify a numeric port when endPort is set'));
      else if (p.endPort < p.port) errs.push(field.invalid(`${at}[${i}].endPort`, p.endPort, 'must be greater than or equal to `port`'));
    }
  });
  return errs;
}

function validatePeers(peers: Peer[], at: string): FieldError[] {
  const errs: FieldError[] = [];
  peers.forEach((peer, i) => {
    const set = [peer?.podSelector || peer?.namespaceSelector, peer?.ipBlock].filter(Boolean).length;
    if (!set) errs.push(field.required(`${at}[${i}]`, 'must specify a peer'));
    else if (peer.ipBlock && (peer.podSelector || peer.namespaceSelector)) errs.push(field.forbidden(`${at}[${i}]`, 'may not specify more than 1 peer type'));
    if (peer?.ipBlock && !peer.ipBlock.cidr) errs.push(field.required(`${at}[${i}].ipBlock.cidr`));
  });
  return errs;
}

function validate(obj: KubeObject): FieldError[] {
  const s = spec(obj);
  const errs: FieldError[] = [];
  (s.ingress ?? []).forEach((rule, i) => {
    errs.push(...validatePorts(rule?.ports ?? [], `spec.ingress[${i}].ports`), ...validatePeers(rule?.from ?? [], `spec.ingress[${i}].from`));
  });
  (s.egress ?? []).forEach((rule, i) => {
    errs.push(...validatePorts(rule?.ports ?? [], `spec.egress[${i}].ports`), ...validatePeers(rule?.to ?? [], `spec.egress[${i}].to`));
  });
  const types = s.policyTypes ?? [];
  types.forEach((t, i) => {
    if (!POLICY_TYPES.includes(t)) errs.push(field.notSupported(`spec.policyTypes[${i}]`, t, POLICY_TYPES));
  });
  if (types.length > 2) errs.push({ type: 'FieldValueInvalid', field: 'spec.policyTypes', detail: `Invalid value: ${goStringSlice(types)}: may not specify more than two policyTypes` });
  return errs;
}

export const networkPolicyStrategy = defineStrategy(
  {
    group: 'networking.k8s.io',
    version: 'v1',
    resource: 'networkpolicies',
    kind: 'NetworkPolicy',
    namespaced: true,
    shortNames: ['netpol'],
    tracksGeneration: true,
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      column('Pod-Selector', 'string', 'podSelector selects the pods to which this NetworkPolicy object applies.', (obj) => formatLabelSelector(spec(obj).podSelector)),
      ageColumn,
    ],
    defaults: applyDefaults,
    validate,
  },
);
