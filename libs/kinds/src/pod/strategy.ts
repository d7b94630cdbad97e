// core/v1 Pod: kube's defaults (SetDefaults_Pod on top of the pod spec's), status Pending with its QoS
// class on create, the pod spec's validation, the update rules (only images, activeDeadlineSeconds,
// added tolerations and a negative grace period set to 1 may change), `kubectl get pods`' columns and
// the graceful delete period. What needs other objects (binding, eviction, admission defaults) lives
// in the registry.
import { isIP } from 'node:net';
import { ageColumn, deepEqual, field, humanDuration, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject, type TableColumn } from '@kapi/api-machinery';
import { applyPodSpecDefaults, validatePodSpec, type Container, type PodSpec } from '../podtemplate/pod-spec.js';
import { compareQuantities, isZero, readQuantity, type Quantity } from '../resourcequota/quantity.js';
import { specDiff } from '../spec-diff.js';
import { defineStrategy, objectMetaFields } from '../strategy.js';

interface ContainerState {
  waiting?: { reason?: string };
  running?: { startedAt?: string };
  terminated?: { reason?: string; exitCode?: number; signal?: number; finishedAt?: string };
}

interface ContainerStatus {
  name?: string;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  state?: ContainerState;
  lastState?: ContainerState;
}

export interface PodCondition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string | null;
}

export interface PodStatus {
  phase?: string;
  reason?: string;
  qosClass?: string;
  podIP?: string;
  podIPs?: { ip?: string }[];
  nominatedNodeName?: string;
  conditions?: PodCondition[];
  containerStatuses?: ContainerStatus[];
  initContainerStatuses?: ContainerStatus[];
}

export const podSpec = (obj: KubeObject) => (obj.spec ?? {}) as PodSpec;
export const podStatus = (obj: KubeObject) => (obj.status ?? {}) as PodStatus;

/** The phases after which a pod's containers never run again. */
export const isTerminalPhase = (phase: string | undefined) => phase === 'Succeeded' || phase === 'Failed';

const COMPUTE_RESOURCES = ['cpu', 'memory'];

/** GetPodQOS: BestEffort without cpu/memory requests or limits, Guaranteed when every container's are complete and equal. */
export function podQosClass(spec: PodSpec): string {
  let any = false;
  let guaranteed = true;
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    const pick = (list: Record<string, string> | undefined) => {
      const out = new Map<string, Quantity>();
      for (const r of COMPUTE_RESOURCES) {
        const q = readQuantity(list?.[r]);
        if (q && !isZero(q)) out.set(r, q);
      }
      return out;
    };
    const requests = pick(c?.resources?.requests);
    const limits = pick(c?.resources?.limits);
    if (requests.size || limits.size) any = true;
    if (limits.size < COMPUTE_RESOURCES.length) guaranteed = false;
    for (const [r, q] of requests) if (!limits.has(r) || compareQuantities(q, limits.get(r)!) !== 0) guaranteed = false;
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function isRestartableInit(c: Container & { restartPolicy?: string }): boolean {
  return c?.restartPolicy === 'Always';
}

const lastRestart = (s: ContainerStatus) => s.lastState?.terminated?.finishedAt;

/** The READY, STATUS and RESTARTS cells, as kube's pod printer computes them. */
export function podSummary(obj: KubeObject, now: number): { ready: string; status: string; restarts: string } {
  const spec = podSpec(obj);
  const status = podStatus(obj);
  const inits = new Map((spec.initContainers ?? []).map((c) => [c?.name ?? '', c]));
  let total = (spec.containers ?? []).length;
  for (const c of inits.values()) if (isRestartableInit(c)) total++;
  let ready = 0;
  let restarts = 0;
  let lastRestartAt = 0;
  const noteRestart = (s: ContainerStatus) => {
    restarts += s.restartCount ?? 0;
    const at = Date.parse(lastRestart(s) ?? '');
    if (at > lastRestartAt) lastRestartAt = at;
  };
  let reason = status.reason || status.phase || '';
  if ((status.conditions ?? []).some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';

  let initializing = false;
  let sidecarRestarts = 0;
  let sidecarLastRestart = 0;
  const initStatuses = status.initContainerStatuses ?? [];
  for (const [i, s] of initStatuses.entries()) {
    noteRestart(s);
    if (isRestartableInit(inits.get(s.name ?? '') ?? {})) {
      sidecarRestarts += s.restartCount ?? 0;
      sidecarLastRestart = Math.max(sidecarLastRestart, Date.parse(lastRestart(s) ?? '') || 0);
      if (s.started) {
        if (s.ready) ready++;
        continue;
      }
    }
    const t = s.state?.terminated;
    if (t && (t.exitCode ?? 0) === 0) continue;
    if (t) reason = t.reason ? `Init:${t.reason}` : t.signal ? `Init:Signal:${t.signal}` : `Init:ExitCode:${t.exitCode}`;
    else if (s.state?.waiting?.reason && s.state.waiting.reason !== 'PodInitializing') reason = `Init:${s.state.waiting.reason}`;
    else reason = `Init:${i}/${inits.size}`;
    initializing = true;
    break;
  }
  const initialized = (status.conditions ?? []).some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initialized) {
    restarts = sidecarRestarts;
    lastRestartAt = sidecarLastRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const s = statuses[i];
      noteRestart(s);
      const t = s.state?.terminated;
      if (s.state?.waiting?.reason) reason = s.state.waiting.reason;
      else if (t?.reason) reason = t.reason;
      else if (t) reason = t.signal ? `Signal:${t.signal}` : `ExitCode:${t.exitCode ?? 0}`;
      else if (s.ready && s.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
    }
  }
  if (obj.metadata?.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (obj.metadata?.deletionTimestamp && !isTerminalPhase(status.phase)) reason = 'Terminating';
  const restartsCell = restarts !== 0 && lastRestartAt > 0 ? `${restarts} (${humanDuration(now - lastRestartAt)} ago)` : String(restarts);
  return { ready: `${ready}/${total}`, status: reason, restarts: restartsCell };
}

const column = (name: string, description: string, priority: number, cell: TableColumn['cell']): TableColumn => ({ name, type: 'string', format: '', description, priority, cell });
const orNone = (v: string | undefined) => v || '<none>';

export const podColumns: TableColumn[] = [
  nameColumn,
  column('Ready', 'The aggregate readiness state of this pod for accepting traffic.', 0, (o, now) => podSummary(o, now).ready),
  column('Status', 'The aggregate status of the containers in this pod.', 0, (o, now) => podSummary(o, now).status),
  column('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.', 0, (o, now) => podSummary(o, now).restarts),
  ageColumn,
  column('IP', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1, (o) => orNone(podStatus(o).podIPs?.[0]?.ip)),
  column('Node', 'NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName.', 1, (o) =>
    orNone(podSpec(o).nodeName),
  ),
  column('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.', 1, (o) =>
    orNone(podStatus(o).nominatedNodeName),
  ),
  column('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', 1, (o) => {
    const gates = podSpec(o).readinessGates ?? [];
    if (!gates.length) return '<none>';
    const conditions = podStatus(o).conditions ?? [];
    const met = gates.filter((g) => conditions.find((c) => c.type === g?.conditionType)?.status === 'True').length;
    return `${met}/${gates.length}`;
  }),
];

/** SetDefaults_Pod: requests default to limits, service links are on, host-network ports are their container ports. */
function applyPodDefaults(spec: PodSpec): void {
  applyPodSpecDefaults(spec, 'Pod');
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    const resources = c?.resources;
    if (!resources?.limits) continue;
    resources.requests ??= {};
    for (const [name, limit] of Object.entries(resources.limits)) resources.requests[name] ??= limit;
  }
  spec.enableServiceLinks ??= true;
  if (spec.hostNetwork) {
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) for (const p of c?.ports ?? []) if (p && !p.hostPort) p.hostPort = p.containerPort;
  }
}

const UPDATABLE_POD_SPEC_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

function validateContainerUpdates(now: Container[] | undefined, before: Container[] | undefined, path: string): FieldError[] | undefined {
  if ((now ?? []).length !== (before ?? []).length) return [field.forbidden(path, 'pod updates may not add or remove containers')];
  return undefined;
}

/** ValidatePodUpdate: which parts of a pod's spec may change after it is created. */
export function validatePodSpecUpdate(spec: PodSpec, old: PodSpec): FieldError[] {
  for (const key of ['containers', 'initContainers'] as const) {
    const stop = validateContainerUpdates(spec[key], old[key], `spec.${key}`);
    if (stop) return stop;
  }
  const errs: FieldError[] = [];
  const deadline = spec.activeDeadlineSeconds;
  if (deadline !== undefined && deadline !== null) {
    if (old.activeDeadlineSeconds !== undefined && old.activeDeadlineSeconds !== null && old.activeDeadlineSeconds < deadline) {
      return [field.invalid('spec.activeDeadlineSeconds', deadline, 'must be less than or equal to previous value')];
    }
  } else if (old.activeDeadlineSeconds !== undefined && old.activeDeadlineSeconds !== null) {
    errs.push(field.invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  }
  (old.tolerations ?? []).forEach((t) => {
    if (!(spec.tolerations ?? []).some((n) => deepEqual(n, t))) {
      errs.push(field.forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds'));
    }
  });
  if (deepEqual(spec, old)) return errs;
  const munged: PodSpec = structuredClone(spec);
  munged.containers = munged.containers?.map((c, i) => ({ ...c, image: old.containers?.[i]?.image }));
  if (munged.initContainers) munged.initContainers = munged.initContainers.map((c, i) => ({ ...c, image: old.initContainers?.[i]?.image }));
  munged.activeDeadlineSeconds = old.activeDeadlineSeconds;
  munged.schedulingGates = old.schedulingGates;
  munged.tolerations = old.tolerations;
  if ((old.terminationGracePeriodSeconds ?? 0) < 0 && munged.terminationGracePeriodSeconds === 1) munged.terminationGracePeriodSeconds = old.terminationGracePeriodSeconds;
  for (const k of Object.keys(munged) as (keyof PodSpec)[]) if (munged[k] === undefined) delete munged[k];
  if (!deepEqual(munged, old)) {
    errs.push(field.forbidden('spec', `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(',')}\n${specDiff('core.PodSpec', old, munged)}`));
  }
  return errs;
}

/**
 * CheckGracefulDelete: how long a delete waits for the kubelet. A pod on no node, or one that has
 * finished, goes at once; otherwise the request's period, else the pod's own.
 */
export function podGracePeriod(obj: KubeObject, requested: number | undefined): number {
  const spec = podSpec(obj);
  if (!spec.nodeName || isTerminalPhase(podStatus(obj).phase)) return 0;
  const grace = requested ?? spec.terminationGracePeriodSeconds ?? 30;
  // A negative period means "now", as kube treats it (at least one second for a running pod).
  return grace < 0 ? 1 : grace;
}

/** v1 keeps podIP and hostIP as the first of podIPs and hostIPs; a client may send either. */
function syncIps(status: PodStatus & { hostIP?: string; hostIPs?: { ip?: string }[] }): void {
  // When both are sent and differ, podIP wins, for older clients.
  if (status.podIP && status.podIPs?.[0]?.ip !== status.podIP) status.podIPs = [{ ip: status.podIP }];
  else if (status.podIPs?.length && !status.podIP) status.podIP = status.podIPs[0]?.ip;
  if (status.hostIP && !status.hostIPs?.length) status.hostIPs = [{ ip: status.hostIP }];
  else if (status.hostIPs?.length && !status.hostIP) status.hostIP = status.hostIPs[0]?.ip;
}

const isIp = (ip: string) => isIP(ip) !== 0;

/** ValidatePodStatusUpdate: the QoS class never changes, names and addresses are well formed. */
function validateStatusUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const status = podStatus(obj) as PodStatus & { hostIPs?: { ip?: string }[] };
  const nominated = status.nominatedNodeName;
  if (nominated && nominated !== podStatus(old).nominatedNodeName) {
    for (const msg of isDns1123Subdomain(nominated)) errs.push(field.invalid('status.nominatedNodeName', nominated, msg));
  }
  if (status.qosClass !== podStatus(old).qosClass) errs.push(field.invalid('status.qosClass', status.qosClass ?? '', 'field is immutable'));
  (status.podIPs ?? []).forEach((p, i) => {
    if (!isIp(p?.ip ?? '')) errs.push(field.invalid(`status.podIPs[${i}]`, p?.ip ?? '', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  });
  (status.hostIPs ?? []).forEach((p, i) => {
    if (!isIp(p?.ip ?? '')) errs.push(field.invalid(`status.hostIPs[${i}]`, p?.ip ?? '', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  });
  return errs;
}

/** The stored pod with only `take` applied from the client's: the other subresources' write rule. */
function keepingOnly(obj: KubeObject, old: KubeObject, take: (spec: PodSpec, from: PodSpec) => void): KubeObject {
  const next = structuredClone(old);
  const spec = podSpec(next);
  take(spec, podSpec(obj));
  applyPodDefaults(spec);
  next.spec = spec;
  return next;
}

/** ValidatePodEphemeralContainersUpdate: ephemeral containers are only ever added. */
function validateEphemeralUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const now = new Map((podSpec(obj).ephemeralContainers ?? []).map((c) => [c?.name ?? '', c]));
  for (const before of podSpec(old).ephemeralContainers ?? []) {
    const name = before?.name ?? '';
    const after = now.get(name);
    if (!after) errs.push(field.forbidden('spec.ephemeralContainers', `existing ephemeral containers ${JSON.stringify(name)} may not be removed\n`));
    else if (!deepEqual(before, after)) {
      errs.push(field.forbidden('spec.ephemeralContainers', `existing ephemeral containers ${JSON.stringify(name)} may not be changed\n${specDiff('core.EphemeralContainer', before, after)}`));
    }
  }
  return errs;
}

const resizable = (spec: PodSpec) => [...(spec.containers ?? []), ...(spec.initContainers ?? []).filter((c) => (c as { restartPolicy?: string })?.restartPolicy === 'Always')];
type Resources = NonNullable<Container['resources']>;
const removed = (now: Record<string, string> | undefined, before: Record<string, string> | undefined) => Object.keys(before ?? {}).some((k) => !(k in (now ?? {})));

/** ValidatePodResize: cpu and memory only, nothing removed, the same QoS class, on a kubelet that resizes. */
function validateResize(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const [spec, before] = [podSpec(obj), podSpec(old)];
  if (podQosClass(spec) !== podQosClass(before)) errs.push(field.invalid('spec', podStatus(old).qosClass ?? '', 'Pod QOS Class may not change as a result of resizing'));
  const running = (podStatus(old).containerStatuses ?? []).find((c) => c.state?.running);
  if (running && !(running as { resources?: unknown }).resources) errs.push(field.forbidden('spec', 'Pod running on node without support for resize'));
  const onlyComputeChanged = (now: Record<string, string> | undefined, was: Record<string, string> | undefined) => {
    const strip = (list: Record<string, string> | undefined) => Object.fromEntries(Object.entries(list ?? {}).filter(([k]) => !COMPUTE_RESOURCES.includes(k)));
    return deepEqual(strip(now), strip(was));
  };
  let otherChanged = false;
  const beforeByName = new Map(resizable(before).map((c) => [c?.name, c]));
  for (const [i, c] of (spec.containers ?? []).entries()) {
    const was: Resources = beforeByName.get(c?.name)?.resources ?? {};
    const now: Resources = c?.resources ?? {};
    const at = `spec.containers[${i}].resources`;
    if (removed(now.requests, was.requests)) errs.push(field.forbidden(`${at}.requests`, 'resource requests cannot be removed'));
    if (removed(now.limits, was.limits)) errs.push(field.forbidden(`${at}.limits`, 'resource limits cannot be removed'));
    if (!onlyComputeChanged(now.requests, was.requests) || !onlyComputeChanged(now.limits, was.limits)) otherChanged = true;
  }
  if (otherChanged) errs.push(field.forbidden('spec', 'only cpu and memory resources are mutable'));
  return errs;
}

/**
 * v1 writes the deprecated serviceAccount beside serviceAccountName (kube's conversion does, on every
 * encode), also when admission chose the account after defaulting.
 */
function mirrorServiceAccount(spec: PodSpec): void {
  if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
}

function prepare(obj: KubeObject): PodSpec {
  if (!obj.spec || typeof obj.spec !== 'object') obj.spec = {};
  const spec = obj.spec as PodSpec;
  applyPodDefaults(spec);
  return spec;
}

export const podStrategy = defineStrategy(
  {
    group: '',
    version: 'v1',
    resource: 'pods',
    kind: 'Pod',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    subresources: ['attach', 'binding', 'ephemeralcontainers', 'eviction', 'exec', 'log', 'portforward', 'proxy', 'resize', 'status'],
    returnsDeletedObject: true,
    // Since 1.33 a pod's generation counts the changes of its spec the kubelet has to act on.
    tracksGeneration: true,
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: podColumns,
    defaults: (obj) => void prepare(obj),
    prepareForUpdate: (obj) => mirrorServiceAccount(podSpec(obj)),
    prepareForCreate(obj) {
      const spec = podSpec(obj);
      mirrorServiceAccount(spec);
      const conditions: PodCondition[] = spec.schedulingGates?.length
        ? [{ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: null, reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates' }]
        : [];
      obj.status = { phase: 'Pending', ...(conditions.length ? { conditions } : {}), qosClass: podQosClass(spec) };
    },
    validate: (obj) => validatePodSpec(podSpec(obj), 'spec'),
    validateUpdate: (obj, old) => validatePodSpecUpdate(podSpec(obj), podSpec(old)),
    gracePeriod: podGracePeriod,
    subresourceUpdates: {
      status: {
        prepareForUpdate(obj, old) {
          const status = structuredClone(podStatus(obj));
          syncIps(status);
          // The QoS class is set at creation and immutable; a status without one keeps the old one
          // (kube backfills it, since old kubelets dropped it from pods they rejected).
          if (!status.qosClass && podStatus(old).qosClass) status.qosClass = podStatus(old).qosClass;
          return { ...old, status, metadata: old.metadata };
        },
        validateUpdate: validateStatusUpdate,
      },
      ephemeralcontainers: {
        prepareForUpdate: (obj, old) => keepingOnly(obj, old, (spec, from) => (spec.ephemeralContainers = from.ephemeralContainers)),
        validateUpdate: validateEphemeralUpdate,
      },
      resize: {
        prepareForUpdate: (obj, old) =>
          keepingOnly(obj, old, (spec, from) => {
            const requested = new Map(resizable(from).map((c) => [c?.name, c]));
            for (const c of resizable(spec)) {
              const next = requested.get(c?.name) as (Container & { resizePolicy?: unknown }) | undefined;
              if (!c || !next) continue;
              c.resources = next.resources ?? {};
              if (next.resizePolicy !== undefined) (c as { resizePolicy?: unknown }).resizePolicy = next.resizePolicy;
            }
          }),
        validateUpdate: validateResize,
      },
    },
    selectableFields(obj) {
      const spec = podSpec(obj);
      const status = podStatus(obj);
      return {
        ...objectMetaFields(obj, true),
        'spec.nodeName': spec.nodeName ?? '',
        'spec.restartPolicy': spec.restartPolicy ?? '',
        'spec.schedulerName': spec.schedulerName ?? '',
        'spec.serviceAccountName': spec.serviceAccountName ?? '',
        'spec.hostNetwork': String(spec.hostNetwork === true),
        'status.phase': status.phase ?? '',
        'status.podIP': status.podIPs?.[0]?.ip ?? status.podIP ?? '',
        'status.nominatedNodeName': status.nominatedNodeName ?? '',
      };
    },
  },
);
