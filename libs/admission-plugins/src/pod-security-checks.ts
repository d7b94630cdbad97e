// The Pod Security Standards as kube's pod-security-admission checks them: each check, the level it
// belongs to, the policy versions each of its revisions applies from, the baseline checks a
// restricted one replaces, and its reason and detail in kube's words. A level's checks run in
// kube's order: baseline ones sorted by ID, then restricted ones sorted by ID.
import type { Json } from './pods.js';

export type Level = 'privileged' | 'baseline' | 'restricted';

/** A policy version: a minor of v1, or latest. */
export type PolicyVersion = number | 'latest';

/** kube-apiserver v1.34: what `latest` means, and the newest version any check is evaluated at. */
export const LATEST_MINOR = 34;

export interface CheckResult {
  reason: string;
  detail?: string;
}

type CheckFn = (meta: Json, spec: Json) => CheckResult | undefined;

interface Check {
  id: string;
  level: 'baseline' | 'restricted';
  /** Revisions by the minor version they apply from, oldest first. */
  versions: { from: number; check: CheckFn; overrides?: string[] }[];
}

const pluralize = (singular: string, plural: string, count: number) => (count === 1 ? singular : plural);
const joinQuote = (items: string[]) => (items.length ? `"${items.join('", "')}"` : '');
const sorted = (items: Iterable<string>) => [...new Set(items)].sort();
const containers = (what: string[]) => `${pluralize('container', 'containers', what.length)} ${joinQuote(what)}`;

/** kube's visitContainers: init containers, then containers, then ephemeral containers. */
function visitContainers(spec: Json, visit: (c: Json) => void): void {
  for (const key of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const c of Array.isArray(spec[key]) ? spec[key] : []) if (c && typeof c === 'object') visit(c);
  }
}

const sc = (c: Json): Json => (c.securityContext && typeof c.securityContext === 'object' ? c.securityContext : {});
const podSc = (spec: Json): Json => (spec.securityContext && typeof spec.securityContext === 'object' ? spec.securityContext : {});
const isWindows = (spec: Json) => spec.os?.name === 'windows';

function allowPrivilegeEscalation(meta: Json, spec: Json): CheckResult | undefined {
  const bad: string[] = [];
  visitContainers(spec, (c) => sc(c).allowPrivilegeEscalation !== false && bad.push(c.name));
  if (!bad.length) return undefined;
  return { reason: 'allowPrivilegeEscalation != false', detail: `${containers(bad)} must set securityContext.allowPrivilegeEscalation=false` };
}

function appArmorProfile(meta: Json, spec: Json): CheckResult | undefined {
  const allowedType = (t: unknown) => t === 'RuntimeDefault' || t === 'Localhost';
  const setters: string[] = [];
  const values = new Set<string>();
  const podProfile = podSc(spec).appArmorProfile;
  if (podProfile && !allowedType(podProfile.type)) {
    setters.push('pod');
    values.add(String(podProfile.type ?? ''));
  }
  const bad: string[] = [];
  visitContainers(spec, (c) => {
    const profile = sc(c).appArmorProfile;
    if (profile && !allowedType(profile.type)) {
      bad.push(c.name);
      values.add(String(profile.type ?? ''));
    }
  });
  if (bad.length) setters.push(containers(bad));
  const annotations = Object.entries((meta.annotations ?? {}) as Record<string, string>)
    .filter(([k, v]) => k.startsWith('container.apparmor.security.beta.kubernetes.io/') && !(v === '' || v === 'runtime/default' || v.startsWith('localhost/')))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .sort();
  const valueList = [...sorted(values), ...annotations];
  if (annotations.length) setters.push(pluralize('annotation', 'annotations', annotations.length));
  if (!setters.length) return undefined;
  return {
    reason: pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', valueList.length),
    detail: `${setters.join(' and ')} must not set AppArmor profile type to ${joinQuote(valueList)}`,
  };
}

const BASELINE_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);

function capabilitiesBaseline(meta: Json, spec: Json): CheckResult | undefined {
  const bad: string[] = [];
  const added = new Set<string>();
  visitContainers(spec, (c) => {
    const extra = (sc(c).capabilities?.add ?? []).filter((cap: string) => !BASELINE_CAPABILITIES.has(cap));
    if (!extra.length) return;
    bad.push(c.name);
    for (const cap of extra) added.add(cap);
  });
  if (!bad.length) return undefined;
  return { reason: 'non-default capabilities', detail: `${containers(bad)} must not include ${joinQuote(sorted(added))} in securityContext.capabilities.add` };
}

function capabilitiesRestricted(meta: Json, spec: Json): CheckResult | undefined {
  const missingDropAll: string[] = [];
  const addingForbidden: string[] = [];
  const forbidden = new Set<string>();
  visitContainers(spec, (c) => {
    const caps = sc(c).capabilities;
    if (!caps) return void missingDropAll.push(c.name);
    if (!(caps.drop ?? []).includes('ALL')) missingDropAll.push(c.name);
    const extra = (caps.add ?? []).filter((cap: string) => cap !== 'NET_BIND_SERVICE');
    if (extra.length) {
      addingForbidden.push(c.name);
      for (const cap of extra) forbidden.add(cap);
    }
  });
  const details: string[] = [];
  if (missingDropAll.length) details.push(`${containers(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`);
  if (addingForbidden.length) details.push(`${containers(addingForbidden)} must not include ${joinQuote(sorted(forbidden))} in securityContext.capabilities.add`);
  return details.length ? { reason: 'unrestricted capabilities', detail: details.join('; ') } : undefined;
}

function hostNamespaces(meta: Json, spec: Json): CheckResult | undefined {
  const used = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((k) => spec[k] === true).map((k) => `${k}=true`);
  return used.length ? { reason: 'host namespaces', detail: used.join(', ') } : undefined;
}

const volumes = (spec: Json): Json[] => (Array.isArray(spec.volumes) ? spec.volumes.filter((v: unknown) => v && typeof v === 'object') : []);

function hostPathVolumes(meta: Json, spec: Json): CheckResult | undefined {
  const bad = volumes(spec).filter((v) => v.hostPath).map((v) => v.name);
  return bad.length ? { reason: 'hostPath volumes', detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)}` } : undefined;
}

function hostPorts(meta: Json, spec: Json): CheckResult | undefined {
  const bad: string[] = [];
  const ports = new Set<string>();
  visitContainers(spec, (c) => {
    const used = (Array.isArray(c.ports) ? c.ports : []).filter((p: Json) => p?.hostPort).map((p: Json) => String(p.hostPort));
    if (!used.length) return;
    bad.push(c.name);
    for (const p of used) ports.add(p);
  });
  if (!bad.length) return undefined;
  return {
    reason: 'hostPort',
    detail: `${containers(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', ports.size)} ${sorted(ports).join(', ')}`,
  };
}

function hostProbesAndHostLifecycle(meta: Json, spec: Json): CheckResult | undefined {
  const bad = new Set<string>();
  const hosts = new Set<string>();
  const handlerHosts = (h: Json | undefined) => [h?.httpGet?.host, h?.tcpSocket?.host].filter((x): x is string => typeof x === 'string' && x !== '');
  visitContainers(spec, (c) => {
    for (const h of [c.livenessProbe, c.readinessProbe, c.startupProbe, c.lifecycle?.postStart, c.lifecycle?.preStop]) {
      const found = handlerHosts(h);
      if (!found.length) continue;
      bad.add(c.name);
      for (const host of found) hosts.add(host);
    }
  });
  if (!bad.size) return undefined;
  return {
    reason: 'probe or lifecycle host',
    detail: `${containers(sorted(bad))} ${pluralize('uses', 'use', bad.size)} ${pluralize('probe or lifecycle host', 'probe or lifecycle hosts', hosts.size)} ${joinQuote(sorted(hosts))}`,
  };
}

function privileged(meta: Json, spec: Json): CheckResult | undefined {
  const bad: string[] = [];
  visitContainers(spec, (c) => sc(c).privileged === true && bad.push(c.name));
  return bad.length ? { reason: 'privileged', detail: `${containers(bad)} must not set securityContext.privileged=true` } : undefined;
}

function procMount(meta: Json, spec: Json): CheckResult | undefined {
  const bad: string[] = [];
  const types = new Set<string>();
  visitContainers(spec, (c) => {
    const mount = sc(c).procMount;
    if (mount === undefined || mount === null || mount === 'Default') return;
    bad.push(c.name);
    types.add(String(mount));
  });
  return bad.length ? { reason: 'procMount', detail: `${containers(bad)} must not set securityContext.procMount to ${joinQuote(sorted(types))}` } : undefined;
}

const ALLOWED_VOLUME_SOURCES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret'];
const RESTRICTED_VOLUME_SOURCES = [
  'hostPath', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'nfs', 'iscsi', 'glusterfs', 'rbd', 'flexVolume', 'cinder', 'cephfs',
  'flocker', 'fc', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'storageos',
];

function restrictedVolumes(meta: Json, spec: Json): CheckResult | undefined {
  const bad: string[] = [];
  const types = new Set<string>();
  for (const v of volumes(spec)) {
    if (ALLOWED_VOLUME_SOURCES.some((s) => v[s])) continue;
    bad.push(v.name);
    types.add(RESTRICTED_VOLUME_SOURCES.find((s) => v[s]) ?? 'unknown');
  }
  if (!bad.length) return undefined;
  return {
    reason: 'restricted volume types',
    detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('restricted volume type', 'restricted volume types', types.size)} ${joinQuote(sorted(types))}`,
  };
}

function runAsNonRoot(meta: Json, spec: Json): CheckResult | undefined {
  const setters: string[] = [];
  let podNonRoot = false;
  const podValue = podSc(spec).runAsNonRoot;
  if (podValue === false) setters.push('pod');
  else if (podValue === true) podNonRoot = true;
  const explicit: string[] = [];
  const implicit: string[] = [];
  visitContainers(spec, (c) => {
    const own = sc(c).runAsNonRoot;
    if (own === true || own === false) {
      if (own === false) explicit.push(c.name);
    } else if (!podNonRoot) implicit.push(c.name);
  });
  if (explicit.length) setters.push(containers(explicit));
  if (setters.length) return { reason: 'runAsNonRoot != true', detail: `${setters.join(' and ')} must not set securityContext.runAsNonRoot=false` };
  if (implicit.length) return { reason: 'runAsNonRoot != true', detail: `pod or ${containers(implicit)} must set securityContext.runAsNonRoot=true` };
  return undefined;
}

function runAsUser(meta: Json, spec: Json): CheckResult | undefined {
  const setters: string[] = [];
  if (podSc(spec).runAsUser === 0) setters.push('pod');
  const bad: string[] = [];
  visitContainers(spec, (c) => sc(c).runAsUser === 0 && bad.push(c.name));
  if (bad.length) setters.push(containers(bad));
  return setters.length ? { reason: 'runAsUser=0', detail: `${setters.join(' and ')} must not set runAsUser=0` } : undefined;
}

function seLinuxOptions(allowedTypes: Set<string>): CheckFn {
  return (meta, spec) => {
    const badTypes = new Set<string>();
    let setUser = false;
    let setRole = false;
    const valid = (opts: Json) => {
      let ok = true;
      if (!allowedTypes.has(opts.type ?? '')) {
        ok = false;
        badTypes.add(opts.type ?? '');
      }
      if (opts.user) [ok, setUser] = [false, true];
      if (opts.role) [ok, setRole] = [false, true];
      return ok;
    };
    const setters: string[] = [];
    const podOptions = podSc(spec).seLinuxOptions;
    if (podOptions && !valid(podOptions)) setters.push('pod');
    const bad: string[] = [];
    visitContainers(spec, (c) => {
      const opts = sc(c).seLinuxOptions;
      if (opts && !valid(opts)) bad.push(c.name);
    });
    if (bad.length) setters.push(containers(bad));
    if (!setters.length) return undefined;
    const data: string[] = [];
    if (badTypes.size) data.push(`${pluralize('type', 'types', badTypes.size)} ${joinQuote(sorted(badTypes))}`);
    if (setUser) data.push('user may not be set');
    if (setRole) data.push('role may not be set');
    return { reason: 'seLinuxOptions', detail: `${setters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}` };
  };
}

const validSeccomp = (t: unknown) => t === 'Localhost' || t === 'RuntimeDefault';

/** Before 1.19, seccomp was set by annotations. */
function seccompAnnotations(meta: Json, spec: Json): CheckResult | undefined {
  const annotations = (meta.annotations ?? {}) as Record<string, string>;
  const valid = (v: string) => v === 'runtime/default' || v === 'docker/default' || v.startsWith('localhost/');
  const forbidden = new Set<string>();
  const pod = 'seccomp.security.alpha.kubernetes.io/pod';
  if (pod in annotations && !valid(annotations[pod])) forbidden.add(`${pod}=${JSON.stringify(annotations[pod])}`);
  visitContainers(spec, (c) => {
    const key = `container.seccomp.security.alpha.kubernetes.io/${c.name}`;
    if (key in annotations && !valid(annotations[key])) forbidden.add(`${key}=${JSON.stringify(annotations[key])}`);
  });
  if (!forbidden.size) return undefined;
  return { reason: 'seccompProfile', detail: `forbidden ${pluralize('annotation', 'annotations', forbidden.size)} ${sorted(forbidden).join(', ')}` };
}

function seccompProfile(restricted: boolean): CheckFn {
  return (meta, spec) => {
    const setters: string[] = [];
    const values = new Set<string>();
    let podSet = false;
    const podProfile = podSc(spec).seccompProfile;
    if (podProfile) {
      if (!validSeccomp(podProfile.type)) {
        setters.push('pod');
        values.add(String(podProfile.type ?? ''));
      } else podSet = true;
    }
    const explicit: string[] = [];
    const implicit: string[] = [];
    visitContainers(spec, (c) => {
      const profile = sc(c).seccompProfile;
      if (profile) {
        if (!validSeccomp(profile.type)) {
          explicit.push(c.name);
          values.add(String(profile.type ?? ''));
        }
      } else if (!podSet) implicit.push(c.name);
    });
    if (explicit.length) setters.push(containers(explicit));
    if (setters.length) return { reason: 'seccompProfile', detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sorted(values))}` };
    if (restricted && implicit.length) {
      return { reason: 'seccompProfile', detail: `pod or ${containers(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"` };
    }
    return undefined;
  };
}

const SYSCTLS_1_0 = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start'];
const SYSCTLS_1_27 = [...SYSCTLS_1_0, 'net.ipv4.ip_local_reserved_ports'];
const SYSCTLS_1_29 = [...SYSCTLS_1_27, 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'];
const SYSCTLS_1_32 = [...SYSCTLS_1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];

function sysctls(allowed: string[]): CheckFn {
  const set = new Set(allowed);
  return (meta, spec) => {
    const forbidden = (Array.isArray(podSc(spec).sysctls) ? podSc(spec).sysctls : []).map((s: Json) => s?.name).filter((n: string) => !set.has(n));
    return forbidden.length ? { reason: 'forbidden sysctls', detail: forbidden.join(', ') } : undefined;
  };
}

function windowsHostProcess(meta: Json, spec: Json): CheckResult | undefined {
  const setters: string[] = [];
  if (podSc(spec).windowsOptions?.hostProcess === true) setters.push('pod');
  const bad: string[] = [];
  visitContainers(spec, (c) => sc(c).windowsOptions?.hostProcess === true && bad.push(c.name));
  if (bad.length) setters.push(containers(bad));
  return setters.length ? { reason: 'hostProcess', detail: `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true` } : undefined;
}

/** Restricted checks that do not apply to Windows pods from 1.25. */
const notOnWindows = (check: CheckFn): CheckFn => (meta, spec) => (isWindows(spec) ? undefined : check(meta, spec));

const CHECKS: Check[] = [
  { id: 'allowPrivilegeEscalation', level: 'restricted', versions: [{ from: 8, check: allowPrivilegeEscalation }, { from: 25, check: notOnWindows(allowPrivilegeEscalation) }] },
  { id: 'appArmorProfile', level: 'baseline', versions: [{ from: 0, check: appArmorProfile }] },
  { id: 'capabilities_baseline', level: 'baseline', versions: [{ from: 0, check: capabilitiesBaseline }] },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    versions: [
      { from: 22, check: capabilitiesRestricted, overrides: ['capabilities_baseline'] },
      { from: 25, check: notOnWindows(capabilitiesRestricted), overrides: ['capabilities_baseline'] },
    ],
  },
  { id: 'hostNamespaces', level: 'baseline', versions: [{ from: 0, check: hostNamespaces }] },
  { id: 'hostPathVolumes', level: 'baseline', versions: [{ from: 0, check: hostPathVolumes }] },
  { id: 'hostPorts', level: 'baseline', versions: [{ from: 0, check: hostPorts }] },
  { id: 'hostProbesAndHostLifecycle', level: 'baseline', versions: [{ from: 34, check: hostProbesAndHostLifecycle }] },
  { id: 'privileged', level: 'baseline', versions: [{ from: 0, check: privileged }] },
  { id: 'procMount', level: 'baseline', versions: [{ from: 0, check: procMount }] },
  { id: 'restrictedVolumes', level: 'restricted', versions: [{ from: 0, check: restrictedVolumes, overrides: ['hostPathVolumes'] }] },
  { id: 'runAsNonRoot', level: 'restricted', versions: [{ from: 0, check: runAsNonRoot }] },
  { id: 'runAsUser', level: 'restricted', versions: [{ from: 23, check: runAsUser }] },
  {
    id: 'seLinuxOptions',
    level: 'baseline',
    versions: [
      { from: 0, check: seLinuxOptions(new Set(['', 'container_t', 'container_init_t', 'container_kvm_t'])) },
      { from: 31, check: seLinuxOptions(new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'])) },
    ],
  },
  { id: 'seccompProfile_baseline', level: 'baseline', versions: [{ from: 0, check: seccompAnnotations }, { from: 19, check: seccompProfile(false) }] },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    versions: [
      { from: 19, check: seccompProfile(true), overrides: ['seccompProfile_baseline'] },
      { from: 25, check: notOnWindows(seccompProfile(true)), overrides: ['seccompProfile_baseline'] },
    ],
  },
  { id: 'sysctls', level: 'baseline', versions: [{ from: 0, check: sysctls(SYSCTLS_1_0) }, { from: 27, check: sysctls(SYSCTLS_1_27) }, { from: 29, check: sysctls(SYSCTLS_1_29) }, { from: 32, check: sysctls(SYSCTLS_1_32) }] },
  { id: 'windowsHostProcess', level: 'baseline', versions: [{ from: 0, check: windowsHostProcess }] },
];

/** Go's sort.Strings: by code unit. */
const byId = (a: Check, b: Check) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The checks of a level at a version, in kube's order. */
function checksFor(level: 'baseline' | 'restricted', version: PolicyVersion): CheckFn[] {
  const minor = version === 'latest' || version > LATEST_MINOR ? LATEST_MINOR : version;
  const revisionOf = (c: Check) => [...c.versions].reverse().find((v) => v.from <= minor);
  const active = (lvl: Check['level']) => CHECKS.filter((c) => c.level === lvl && revisionOf(c)).sort(byId);
  const restricted = level === 'restricted' ? active('restricted') : [];
  const overridden = new Set(restricted.flatMap((c) => revisionOf(c)!.overrides ?? []));
  return [...active('baseline').filter((c) => !overridden.has(c.id)), ...restricted].map((c) => revisionOf(c)!.check);
}

/** What of a pod (its metadata and spec) a level forbids at a version, in kube's order; empty when it is allowed. */
export function evaluatePod(level: Level, version: PolicyVersion, meta: Json, spec: Json): CheckResult[] {
  if (level === 'privileged') return [];
  return checksFor(level, version).flatMap((check) => check(meta, spec) ?? []);
}

/** kube's ForbiddenDetail: each reason, with its detail in parentheses. */
export const forbiddenDetail = (results: CheckResult[]) => results.map((r) => (r.detail ? `${r.reason} (${r.detail})` : r.reason)).join(', ');
/** kube's ForbiddenReason: the reasons alone. */
export const forbiddenReason = (results: CheckResult[]) => results.map((r) => r.reason).join(', ');
