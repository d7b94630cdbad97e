// kube-apiserver's API Priority and Fairness configuration (flowcontrol/bootstrap in 1.33): the
// mandatory objects (exempt and catch-all) and the suggested ones, which the registry creates at
// start when absent. Each carries `apf.kubernetes.io/autoupdate-spec: "true"`.
import type { KubeObject } from '@kapi/api-machinery';
import { FLOWCONTROL_GROUP, type PriorityLevelSpec } from '../prioritylevelconfiguration/strategy.js';
import type { FlowRules, FlowSchemaSpec, FlowSubject } from './strategy.js';

const API_VERSION = `${FLOWCONTROL_GROUP}/v1`;
const AUTOUPDATE = { 'apf.kubernetes.io/autoupdate-spec': 'true' };

const meta = (name: string) => ({ name, annotations: { ...AUTOUPDATE } });

function level(name: string, spec: PriorityLevelSpec): KubeObject {
  return { apiVersion: API_VERSION, kind: 'PriorityLevelConfiguration', metadata: meta(name), spec };
}

function queued(shares: number, lendablePercent: number, queues: number, handSize: number, queueLengthLimit: number): PriorityLevelSpec {
  return { type: 'Limited', limited: { nominalConcurrencyShares: shares, lendablePercent, limitResponse: { type: 'Queue', queuing: { queues, handSize, queueLengthLimit } } } };
}

const groups = (...names: string[]): FlowSubject[] => names.map((name) => ({ kind: 'Group', group: { name } }));
const users = (...names: string[]): FlowSubject[] => names.map((name) => ({ kind: 'User', user: { name } }));
const kubeSystemServiceAccounts = (...names: string[]): FlowSubject[] => names.map((name) => ({ kind: 'ServiceAccount', serviceAccount: { namespace: 'kube-system', name } }));

const everything = (subjects: FlowSubject[]): FlowRules => ({
  subjects,
  resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], clusterScope: true, namespaces: ['*'] }],
  nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
});

function schema(name: string, level: string, precedence: number, distinguisher: string | undefined, ...rules: FlowRules[]): KubeObject {
  const spec: FlowSchemaSpec = { priorityLevelConfiguration: { name: level }, matchingPrecedence: precedence, rules };
  if (distinguisher) spec.distinguisherMethod = { type: distinguisher };
  return { apiVersion: API_VERSION, kind: 'FlowSchema', metadata: meta(name), spec };
}

const ALL = ['system:unauthenticated', 'system:authenticated'];
const GET_CREATE_UPDATE = ['get', 'create', 'update'];

export const MANDATORY_PRIORITY_LEVELS: KubeObject[] = [
  level('exempt', { type: 'Exempt', exempt: { nominalConcurrencyShares: 0, lendablePercent: 0 } }),
  level('catch-all', { type: 'Limited', limited: { nominalConcurrencyShares: 5, lendablePercent: 0, limitResponse: { type: 'Reject' } } }),
];

export const SUGGESTED_PRIORITY_LEVELS: KubeObject[] = [
  level('system', queued(30, 33, 64, 6, 50)),
  level('node-high', queued(40, 25, 64, 6, 50)),
  level('leader-election', queued(10, 0, 16, 4, 50)),
  level('workload-high', queued(40, 50, 128, 6, 50)),
  level('workload-low', queued(100, 90, 128, 6, 50)),
  level('global-default', queued(20, 50, 128, 6, 50)),
];

export const MANDATORY_FLOW_SCHEMAS: KubeObject[] = [
  schema('exempt', 'exempt', 1, undefined, everything(groups('system:masters'))),
  schema('catch-all', 'catch-all', 10000, 'ByUser', everything(groups(...ALL))),
];

export const SUGGESTED_FLOW_SCHEMAS: KubeObject[] = [
  schema('system-nodes', 'system', 500, 'ByUser', everything(groups('system:nodes'))),
  schema('system-node-high', 'node-high', 400, 'ByUser', {
    subjects: groups('system:nodes'),
    resourceRules: [
      { verbs: ['*'], apiGroups: [''], resources: ['nodes', 'nodes/status'], clusterScope: true },
      { verbs: ['*'], apiGroups: ['coordination.k8s.io'], resources: ['leases'], namespaces: ['*'] },
    ],
  }),
  schema('probes', 'exempt', 2, undefined, { subjects: groups(...ALL), nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/readyz', '/livez'] }] }),
  schema('system-leader-election', 'leader-election', 100, 'ByUser', {
    subjects: [...users('system:kube-controller-manager', 'system:kube-scheduler'), ...kubeSystemServiceAccounts('*')],
    resourceRules: [{ verbs: GET_CREATE_UPDATE, apiGroups: ['coordination.k8s.io'], resources: ['leases'], namespaces: ['*'] }],
  }),
  schema('workload-leader-election', 'leader-election', 200, 'ByUser', {
    subjects: kubeSystemServiceAccounts('*'),
    resourceRules: [{ verbs: GET_CREATE_UPDATE, apiGroups: ['coordination.k8s.io'], resources: ['leases'], namespaces: ['*'] }],
  }),
  schema('endpoint-controller', 'workload-high', 150, 'ByUser', {
    subjects: [...users('system:kube-controller-manager'), ...kubeSystemServiceAccounts('endpoint-controller', 'endpointslicemirroring-controller')],
    resourceRules: [{ verbs: GET_CREATE_UPDATE, apiGroups: [''], resources: ['endpoints'], namespaces: ['*'] }],
  }),
  schema('kube-controller-manager', 'workload-high', 800, 'ByNamespace', everything(users('system:kube-controller-manager'))),
  schema('kube-scheduler', 'workload-high', 800, 'ByNamespace', everything(users('system:kube-scheduler'))),
  schema('kube-system-service-accounts', 'workload-high', 900, 'ByNamespace', everything(kubeSystemServiceAccounts('*'))),
  schema('service-accounts', 'workload-low', 9000, 'ByUser', everything(groups('system:serviceaccounts'))),
  schema('global-default', 'global-default', 9900, 'ByUser', everything(groups(...ALL))),
];
