// The subresources of a pod that act on more than the pod's own fields: binding (the scheduler's
// answer), eviction (a delete that respects PodDisruptionBudgets), and the ones that connect to the
// pod's node (log, exec, attach, portforward, proxy), and nodes/proxy. kapi has no kubelet connections, so those
// answer what kube-apiserver answers before it would dial one: the pod's own errors (no container of
// that name, no host assigned, no IP), the node's absence, or that the node cannot be reached.
import {
  badRequest,
  conflict,
  field,
  forbidden,
  invalid,
  nowTimestamp,
  StatusError,
  type KubeObject,
  type Status,
} from '@kapi/api-machinery';
import { selectorMatches } from '@kapi/authorization';
import type { GenericStore, WriteContext } from '@kapi/generic-registry';
import { isTerminalPhase, pdbSpec, pdbStatus, podSpec, podStatus, type PodCondition } from '@kapi/kinds';
import type { Registry } from './registry.js';

/** Subresources whose every verb reaches the node rather than the stored pod. */
export const CONNECT_SUBRESOURCES = ['log', 'exec', 'attach', 'portforward', 'proxy'];
/** Subresources that are only ever POSTed. */
export const CREATE_SUBRESOURCES = ['binding', 'eviction'];

/**
 * The options of a connecting subresource as kube decodes them from the query (PodExecOptions,
 * PodAttachOptions, PodPortForwardOptions, PodProxyOptions, NodeProxyOptions): the object a CONNECT
 * is admitted with.
 */
export function connectOptions(subresource: string, params: URLSearchParams, proxyKind = 'PodProxyOptions'): KubeObject {
  const flag = (name: string) => (params.get(name) === 'true' || params.get(name) === '1' ? { [name]: true } : {});
  const text = (name: string) => (params.get(name) ? { [name]: params.get(name) } : {});
  switch (subresource) {
    case 'exec':
      return { kind: 'PodExecOptions', apiVersion: 'v1', ...flag('stdin'), ...flag('stdout'), ...flag('stderr'), ...flag('tty'), ...text('container'), command: params.getAll('command') };
    case 'attach':
      return { kind: 'PodAttachOptions', apiVersion: 'v1', ...flag('stdin'), ...flag('stdout'), ...flag('stderr'), ...flag('tty'), ...text('container') };
    case 'portforward': {
      const ports = params.getAll('ports').flatMap((p) => p.split(',')).map(Number).filter(Number.isInteger);
      return { kind: 'PodPortForwardOptions', apiVersion: 'v1', ...(ports.length ? { ports } : {}) };
    }
    default:
      return { kind: proxyKind, apiVersion: 'v1', ...text('path') };
  }
}

const success = (): Status => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });

/** Go's %v of a []string: `[a b]`. */
const goList = (names: string[]) => `[${names.join(' ')}]`;

function isPodReady(pod: KubeObject): boolean {
  return (podStatus(pod).conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Sets or replaces a condition, keeping its transition time when its status did not change (UpdatePodCondition). */
function setCondition(conditions: PodCondition[] | undefined, next: PodCondition): PodCondition[] {
  const list = [...(conditions ?? [])];
  const at = list.findIndex((c) => c.type === next.type);
  if (at < 0) return [...list, { ...next, lastProbeTime: null, lastTransitionTime: nowTimestamp() }];
  const before = list[at];
  list[at] = { ...before, ...next, lastTransitionTime: before.status === next.status ? before.lastTransitionTime : nowTimestamp() };
  return list;
}

function tooManyRequests(message: string, cause: string): StatusError {
  return new StatusError('KAPI_ERR_TOO_MANY_REQUESTS', message, { causes: [{ reason: 'DisruptionBudget', message: cause }] });
}

const EVICTION_REFUSED = "Cannot evict pod as it would violate the pod's disruption budget.";
const MAX_DISRUPTED_PODS = 2000;

export class PodSubresources {
  constructor(private readonly registry: Registry) {}

  private get pods(): GenericStore {
    return this.registry.store('', 'pods');
  }

  /** POST pods/<name>/binding: assigns an unbound pod to a node, as the scheduler does. */
  async bind(namespace: string, name: string, body: KubeObject, ctx: WriteContext): Promise<Status> {
    const binding = await this.pods.admitSubresource('CREATE', namespace, name, 'binding', body, ctx);
    if ((binding.metadata?.name ?? '') !== name) throw badRequest('name in URL does not match name in Binding object');
    const target = (binding.target ?? {}) as { kind?: string; name?: string };
    const errs = [];
    if (target.kind && target.kind !== 'Node') errs.push(field.notSupported('target.kind', target.kind, ['Node', '<empty>']));
    if (!target.name) errs.push(field.required('target.name'));
    if (errs.length) throw invalid('Binding', '', name, errs);
    const refuse = (why: string) => conflict({ group: '', resource: 'pods/binding' }, name, why);
    await this.pods.updateStored(
      namespace,
      name,
      (pod) => {
        const spec = podSpec(pod);
        if (pod.metadata?.deletionTimestamp) throw refuse(`pod ${name} is being deleted, cannot be assigned to a host`);
        if (spec.nodeName) throw refuse(`pod ${name} is already assigned to node ${JSON.stringify(spec.nodeName)}`);
        if (spec.schedulingGates?.length) throw refuse(`pod ${name} has non-empty .spec.schedulingGates`);
        spec.nodeName = target.name;
        pod.spec = spec;
        const annotations = binding.metadata?.annotations;
        if (annotations) pod.metadata = { ...pod.metadata, annotations: { ...pod.metadata?.annotations, ...annotations } };
        const status = podStatus(pod);
        status.conditions = setCondition(status.conditions, { type: 'PodScheduled', status: 'True' });
        pod.status = status;
        return pod;
      },
      ctx,
    );
    return success();
  }

  /** POST pods/<name>/eviction: a delete that a matching PodDisruptionBudget may refuse (429). */
  async evict(namespace: string, name: string, body: KubeObject, ctx: WriteContext): Promise<Status> {
    const eviction = await this.pods.admitSubresource('CREATE', namespace, name, 'eviction', body, ctx);
    if ((eviction.metadata?.name ?? '') !== name) throw badRequest('name in URL does not match name in Eviction object');
    const options = (eviction.deleteOptions ?? {}) as Parameters<GenericStore['delete']>[2];
    const deletePod = async () => {
      await this.pods.delete(namespace, name, options, ctx);
      return success();
    };
    const pod = await this.pods.get(namespace, name);
    const phase = podStatus(pod).phase;
    // A pod that is not running, or already going, has nothing left to disrupt.
    if (isTerminalPhase(phase) || phase === 'Pending' || pod.metadata?.deletionTimestamp) return deletePod();

    const pdbStore = this.registry.store('policy', 'poddisruptionbudgets');
    const budgets = (await pdbStore.list({ namespace })).items.filter((pdb) => {
      const selector = pdbSpec(pdb).selector;
      // A budget with an empty selector protects nothing here, whatever policy/v1 says elsewhere.
      if (!selector || (!Object.keys(selector.matchLabels ?? {}).length && !(selector.matchExpressions ?? []).length)) return false;
      return selectorMatches(selector as never, pod.metadata?.labels);
    });
    if (budgets.length > 1) {
      throw StatusError.fromStatus({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
        code: 500,
      });
    }
    if (budgets.length === 0) return deletePod();
    let pdb = budgets[0];
    const ready = isPodReady(pod);
    // An unready pod is not counted as healthy: evicting it costs the budget nothing.
    if (!ready) {
      const status = pdbStatus(pdb);
      if (pdbSpec(pdb).unhealthyPodEvictionPolicy === 'AlwaysAllow') return deletePod();
      if ((status.currentHealthy ?? 0) >= (status.desiredHealthy ?? 0) && (status.desiredHealthy ?? 0) > 0) return deletePod();
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await this.checkAndDecrement(pdbStore, pdb, name, ctx);
        break;
      } catch (err) {
        if (!(err instanceof StatusError && err.code === 'KAPI_ERR_OBJECT_CONFLICT') || attempt >= 5) throw err;
        pdb = await pdbStore.get(namespace, pdb.metadata?.name ?? '');
      }
    }
    return deletePod();
  }

  private async checkAndDecrement(store: GenericStore, pdb: KubeObject, podName: string, ctx: WriteContext): Promise<void> {
    const name = pdb.metadata?.name ?? '';
    const status = pdbStatus(pdb);
    if ((status.observedGeneration ?? 0) < (pdb.metadata?.generation ?? 0)) {
      throw tooManyRequests(EVICTION_REFUSED, `The disruption budget ${name} is still being processed by the server.`);
    }
    const allowed = status.disruptionsAllowed ?? 0;
    if (allowed < 0) throw forbidden({ group: 'policy', resource: 'poddisruptionbudget' }, name, 'pdb disruptions allowed is negative');
    if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS) {
      throw forbidden({ group: 'policy', resource: 'poddisruptionbudget' }, name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
    }
    if (allowed === 0) {
      throw tooManyRequests(EVICTION_REFUSED, `The disruption budget ${name} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`);
    }
    const next = structuredClone(pdb);
    const nextStatus = pdbStatus(next);
    nextStatus.disruptionsAllowed = allowed - 1;
    if (nextStatus.disruptionsAllowed === 0) {
      const conditions = (nextStatus.conditions ?? []).filter((c) => c.type !== 'DisruptionAllowed');
      const before = nextStatus.conditions?.find((c) => c.type === 'DisruptionAllowed');
      conditions.push({
        type: 'DisruptionAllowed',
        status: 'False',
        reason: 'InsufficientPods',
        message: '',
        observedGeneration: nextStatus.observedGeneration,
        lastTransitionTime: before?.status === 'False' ? before.lastTransitionTime : nowTimestamp(),
      });
      nextStatus.conditions = conditions;
    }
    if (ctx.dryRun) return;
    nextStatus.disruptedPods = { ...nextStatus.disruptedPods, [podName]: nowTimestamp() };
    next.status = nextStatus;
    await store.update(pdb.metadata?.namespace, name, next, ctx, 'status');
  }

  /**
   * GET (or any verb of) pods/<name>/{log,exec,attach,portforward,proxy}. Those that connect (all
   * but log) are admitted first as a CONNECT with their options, as kube's connect handler does.
   */
  async connect(namespace: string, name: string, subresource: string, query: string, ctx?: WriteContext): Promise<string> {
    const params = new URLSearchParams(query);
    if (subresource !== 'log' && ctx) await this.pods.admitSubresource('CONNECT', namespace, name, subresource, connectOptions(subresource, params), ctx);
    const pod = await this.pods.get(namespace, name);
    const spec = podSpec(pod);
    const names = (list: { name?: string }[] | undefined) => (list ?? []).map((c) => c?.name ?? '');
    const container = params.get('container') ?? '';
    if (subresource === 'log' || subresource === 'exec' || subresource === 'attach') {
      const containers = names(spec.containers);
      const inits = names(spec.initContainers);
      const ephemeral = names((spec as { ephemeralContainers?: { name?: string }[] }).ephemeralContainers);
      if (!container && containers.length === 0) throw badRequest(`a container name must be specified for pod ${name}`);
      if (!container && containers.length > 1) {
        let message = `a container name must be specified for pod ${name}, choose one of: ${goList(containers)}`;
        if (inits.length) message += ` or one of the init containers: ${goList(inits)}`;
        if (ephemeral.length && subresource === 'log') message += ` or one of the ephemeral containers: ${goList(ephemeral)}`;
        throw badRequest(message);
      }
      if (container && ![...containers, ...inits, ...ephemeral].includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
    }
    if (subresource === 'proxy') {
      const ip = podStatus(pod).podIP ?? '';
      if (!ip) throw badRequest('address not allowed');
      throw new StatusError('KAPI_ERR_DEPENDENCY_UNAVAILABLE', `error trying to reach service: no route to pod ${name} at ${ip}: kapi does not proxy to pods`);
    }
    if (!spec.nodeName) {
      // A pod on no node has no logs yet: kube answers with an empty stream.
      if (subresource === 'log') return '';
      throw badRequest(`pod ${name} does not have a host assigned`);
    }
    return this.dialKubelet(spec.nodeName);
  }

  /** Any verb of nodes/<name>/proxy: a request to the node's kubelet, admitted as a CONNECT first. */
  async connectNode(name: string, query: string, ctx?: WriteContext): Promise<string> {
    if (ctx) await this.registry.store('', 'nodes').admitSubresource('CONNECT', undefined, name, 'proxy', connectOptions('proxy', new URLSearchParams(query), 'NodeProxyOptions'), ctx);
    return this.dialKubelet(name);
  }

  /** Where kube-apiserver would open a connection to a node's kubelet, which kapi never does. */
  private async dialKubelet(nodeName: string): Promise<never> {
    const node = await this.registry.store('', 'nodes').get(undefined, nodeName);
    const addresses = ((node.status as { addresses?: { type?: string; address?: string }[] } | undefined)?.addresses ?? []).filter((a) => a?.address);
    if (!addresses.length) throw new StatusError('KAPI_ERR_INTERNAL', 'Internal error occurred: no preferred addresses found; known addresses: []');
    throw new StatusError('KAPI_ERR_DEPENDENCY_UNAVAILABLE', `error dialing backend: the kubelet on node ${JSON.stringify(nodeName)} is not reachable from kapi`);
  }
}
