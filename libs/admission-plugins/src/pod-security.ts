// PodSecurity: the Pod Security Standards enforced, audited and warned about per namespace, by its
// pod-security.kubernetes.io/{enforce,audit,warn}[-version] labels (or the configured defaults,
// privileged:latest unless the AdmissionConfiguration says otherwise). A pod that violates the
// enforce level is refused (`violates PodSecurity "restricted:latest": ...`); one that violates the
// warn level gets a Warning; the audit level's violations are audit annotations. Workloads with a
// pod template (Deployments, Jobs, …) are only warned and audited. A namespace's labels are
// validated, and tightening its enforce level warns of the existing pods that would violate it.
// kube's messages throughout (k8s.io/pod-security-admission).
import type { AdmissionAttributes, AdmissionPlugin } from '@kapi/admission-chain';
import { field, internalError, invalid, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { ConfigError } from '@kapi/config';
import { admissionForbidden, isResource } from './admission-errors.js';
import { RESOURCES, type PluginContext } from './context.js';
import { evaluatePod, forbiddenDetail, forbiddenReason, type Level, type PolicyVersion } from './pod-security-checks.js';
import type { Json } from './pods.js';
import { waitForReady } from './ready.js';

const LABEL_PREFIX = 'pod-security.kubernetes.io/';
const MODES = ['enforce', 'audit', 'warn'] as const;
type Mode = (typeof MODES)[number];
const LEVELS: Level[] = ['privileged', 'baseline', 'restricted'];
const MAX_PODS_TO_CHECK = 3000;

interface LevelVersion {
  level: Level;
  version: PolicyVersion;
}
type Policy = Record<Mode, LevelVersion>;

const show = (lv: LevelVersion) => `${lv.level}:${lv.version === 'latest' ? 'latest' : `v1.${lv.version}`}`;
const sameLevelVersion = (a: LevelVersion, b: LevelVersion) => a.level === b.level && a.version === b.version;
const equivalent = (a: LevelVersion, b: LevelVersion) => (a.level === 'privileged' && b.level === 'privileged') || sameLevelVersion(a, b);
const levelRank = (l: Level) => LEVELS.indexOf(l);
const fullyPrivileged = (p: Policy) => MODES.every((m) => p[m].level === 'privileged');

function parseLevel(value: string): Level | undefined {
  return (LEVELS as string[]).includes(value) ? (value as Level) : undefined;
}

function parseVersion(value: string): PolicyVersion | undefined {
  if (value === 'latest') return 'latest';
  const m = /^v1\.([0-9]|[1-9][0-9]*)$/.exec(value);
  return m ? Number(m[1]) : undefined;
}

/** kube's PolicyToEvaluate: the namespace's labels over the defaults, with what cannot be read as field errors. */
function policyOf(labels: Record<string, string> | undefined, defaults: Policy): { policy: Policy; errors: FieldError[] } {
  const policy: Policy = { enforce: { ...defaults.enforce }, audit: { ...defaults.audit }, warn: { ...defaults.warn } };
  const errors: FieldError[] = [];
  if (!labels || !Object.keys(labels).length) return { policy, errors };
  const path = (label: string) => `metadata.labels[${label}]`;
  let hasEnforceLevel = false;
  let hasWarnLevel = false;
  let hasWarnVersion = false;
  for (const mode of MODES) {
    const levelLabel = LABEL_PREFIX + mode;
    if (levelLabel in labels) {
      const level = parseLevel(labels[levelLabel]);
      if (level) policy[mode].level = level;
      else {
        errors.push(field.invalid(path(levelLabel), labels[levelLabel], 'must be one of privileged, baseline, restricted'));
        // An enforce level that cannot be read enforces the most; audit and warn fail open.
        policy[mode].level = mode === 'enforce' ? 'restricted' : 'privileged';
      }
      if (mode === 'enforce') hasEnforceLevel = !!level;
      if (mode === 'warn') hasWarnLevel = true;
    }
    const versionLabel = `${levelLabel}-version`;
    if (versionLabel in labels) {
      const version = parseVersion(labels[versionLabel]);
      if (version === undefined) errors.push(field.invalid(path(versionLabel), labels[versionLabel], 'must be "latest" or "v1.x"'));
      policy[mode].version = version ?? 'latest';
      if (mode === 'warn') hasWarnVersion = true;
    }
  }
  // Warn at least at the enforce level, unless warn is set itself.
  if (!hasWarnLevel && hasEnforceLevel && levelRank(policy.enforce.level) > levelRank(policy.warn.level)) {
    policy.warn.level = policy.enforce.level;
    if (!hasWarnVersion) policy.warn.version = policy.enforce.version;
  }
  return { policy, errors };
}

interface PodSecurityConfiguration {
  defaults: Policy;
  exemptions: { usernames: string[]; namespaces: string[]; runtimeClasses: string[] };
}

/** The plugin's configuration (pod-security.admission.config.k8s.io PodSecurityConfiguration), defaulted. */
export function podSecurityConfiguration(raw: unknown): PodSecurityConfiguration {
  const cfg = (raw ?? {}) as { defaults?: Record<string, string>; exemptions?: Record<string, string[]> };
  const errors: string[] = [];
  const defaults = {} as Policy;
  for (const mode of MODES) {
    const levelValue = cfg.defaults?.[mode] || 'privileged';
    const versionValue = cfg.defaults?.[`${mode}-version`] || 'latest';
    const level = parseLevel(levelValue);
    const version = parseVersion(versionValue);
    if (!level) errors.push(`defaults.${mode}: Invalid value: ${JSON.stringify(levelValue)}: must be one of privileged, baseline, restricted`);
    if (version === undefined) errors.push(`defaults.${mode}-version: Invalid value: ${JSON.stringify(versionValue)}: must be "latest" or "v1.x"`);
    defaults[mode] = { level: level ?? 'privileged', version: version ?? 'latest' };
  }
  if (errors.length) throw new ConfigError(`PodSecurity: invalid configuration: ${errors.join(', ')}`);
  const list = (key: string) => (Array.isArray(cfg.exemptions?.[key]) ? cfg.exemptions![key].map(String) : []);
  return { defaults, exemptions: { usernames: list('usernames'), namespaces: list('namespaces'), runtimeClasses: list('runtimeClasses') } };
}

/** Where the pod template of a workload is: kube's DefaultPodSpecExtractor. */
const TEMPLATES: Record<string, (obj: Json) => Json | undefined> = {
  '/podtemplates': (o) => o.template,
  '/replicationcontrollers': (o) => o.spec?.template,
  'apps/replicasets': (o) => o.spec?.template,
  'apps/deployments': (o) => o.spec?.template,
  'apps/statefulsets': (o) => o.spec?.template,
  'apps/daemonsets': (o) => o.spec?.template,
  'batch/jobs': (o) => o.spec?.template,
  'batch/cronjobs': (o) => o.spec?.jobTemplate?.spec?.template,
};

const IGNORED_POD_SUBRESOURCES = new Set(['exec', 'attach', 'binding', 'eviction', 'log', 'portforward', 'proxy', 'status']);

/** An update that changes nothing Pod Security reads is not checked (kube's isSignificantPodUpdate: images, new ephemeral containers). */
function significantPodUpdate(pod: KubeObject, old: KubeObject): boolean {
  const [spec, before] = [(pod.spec ?? {}) as Json, (old.spec ?? {}) as Json];
  for (const key of ['containers', 'initContainers']) {
    const [now, then] = [Array.isArray(spec[key]) ? spec[key] : [], Array.isArray(before[key]) ? before[key] : []];
    if (now.length !== then.length) return true;
    if (now.some((c: Json, i: number) => c?.image !== then[i]?.image)) return true;
  }
  const oldEphemeral = new Map(((before.ephemeralContainers ?? []) as Json[]).map((c) => [c?.name, c]));
  return ((spec.ephemeralContainers ?? []) as Json[]).some((c) => !oldEphemeral.has(c?.name) || oldEphemeral.get(c?.name)?.image !== c?.image);
}

export function podSecurity(context: PluginContext): AdmissionPlugin {
  const config = podSecurityConfiguration(context.settings.pluginConfig('PodSecurity'));
  const namespaces = context.informers.informerFor(RESOURCES.namespaces);
  const audit = (a: AdmissionAttributes, key: string, value: string) => a.recorder?.auditAnnotation(LABEL_PREFIX + key, value);
  const exemptNamespace = (ns: string) => !!ns && config.exemptions.namespaces.includes(ns);
  const exemptUser = (name: string) => !!name && config.exemptions.usernames.includes(name);
  const exemptRuntimeClass = (name: unknown) => typeof name === 'string' && !!name && config.exemptions.runtimeClasses.includes(name);

  async function namespaceLabels(a: AdmissionAttributes): Promise<Record<string, string> | undefined> {
    await waitForReady(a, [namespaces]);
    const ns = namespaces.get('', a.resource.namespace) ?? (await context.api.get(RESOURCES.namespaces, '', a.resource.namespace));
    if (!ns) throw internalError(`failed to lookup namespace ${JSON.stringify(a.resource.namespace)}`);
    return ns.metadata?.labels;
  }

  /** kube's EvaluatePod: enforce (for pods), then audit, then warn, each level evaluated once. */
  function evaluate(a: AdmissionAttributes, policy: Policy, errors: FieldError[], meta: Json, spec: Json, enforce: boolean): void {
    if (exemptRuntimeClass(spec.runtimeClassName)) return audit(a, 'exempt', 'runtimeClass');
    if (errors.length) audit(a, 'error', `Failed to parse policy: ${errors.length === 1 ? `${errors[0].field}: ${errors[0].detail}` : `[${errors.map((e) => `${e.field}: ${e.detail}`).join(', ')}]`}`);
    const cache = new Map<string, ReturnType<typeof evaluatePod>>();
    const results = (lv: LevelVersion) => {
      const key = show(lv);
      if (!cache.has(key)) cache.set(key, evaluatePod(lv.level, lv.version, meta, spec));
      return cache.get(key)!;
    };
    let refused: Error | undefined;
    if (enforce) {
      audit(a, 'enforce-policy', show(policy.enforce));
      const violations = results(policy.enforce);
      if (violations.length) refused = admissionForbidden(a, `violates PodSecurity ${JSON.stringify(show(policy.enforce))}: ${forbiddenDetail(violations)}`);
    }
    const audited = results(policy.audit);
    if (audited.length) audit(a, 'audit-violations', `would violate PodSecurity ${JSON.stringify(show(policy.audit))}: ${forbiddenDetail(audited)}`);
    if (refused) throw refused;
    const warned = results(policy.warn);
    if (warned.length) a.recorder?.warning(`would violate PodSecurity ${JSON.stringify(show(policy.warn))}: ${forbiddenDetail(warned)}`);
  }

  async function validatePod(a: AdmissionAttributes): Promise<void> {
    if (IGNORED_POD_SUBRESOURCES.has(a.subresource)) return;
    if (exemptNamespace(a.resource.namespace)) return audit(a, 'exempt', 'namespace');
    if (exemptUser(a.user.username)) return audit(a, 'exempt', 'user');
    const { policy, errors } = policyOf(await namespaceLabels(a), config.defaults);
    if (!errors.length && fullyPrivileged(policy)) return audit(a, 'enforce-policy', 'privileged:latest');
    const pod = a.object!;
    if (a.operation === 'UPDATE' && a.oldObject && !significantPodUpdate(pod, a.oldObject)) return;
    evaluate(a, policy, errors, (pod.metadata ?? {}) as Json, (pod.spec ?? {}) as Json, true);
  }

  async function validateWorkload(a: AdmissionAttributes, template: (obj: Json) => Json | undefined): Promise<void> {
    if (a.subresource) return;
    if (exemptNamespace(a.resource.namespace)) return audit(a, 'exempt', 'namespace');
    if (exemptUser(a.user.username)) return audit(a, 'exempt', 'user');
    const { policy, errors } = policyOf(await namespaceLabels(a), config.defaults);
    if (!errors.length && policy.warn.level === 'privileged' && policy.audit.level === 'privileged') return;
    const t = template(a.object as Json);
    if (!t) return;
    evaluate(a, policy, errors, (t.metadata ?? {}) as Json, (t.spec ?? {}) as Json, false);
  }

  /** Pods in the namespace that would violate a new enforce level, as kube lists them: one line per reason. */
  async function existingViolations(namespace: string, enforce: LevelVersion): Promise<string[]> {
    const all = (await context.api.list(RESOURCES.pods, namespace)).filter((p) => !exemptRuntimeClass((p.spec as Json | undefined)?.runtimeClassName));
    // Pods of one controller are alike: one of each first, the others after.
    const seen = new Set<string>();
    const [first, rest]: [KubeObject[], KubeObject[]] = [[], []];
    for (const pod of all) {
      const owner = pod.metadata?.ownerReferences?.find((r) => r?.controller)?.uid;
      (owner && seen.has(owner) ? rest : first).push(pod);
      if (owner) seen.add(owner);
    }
    const pods = [...first, ...rest];
    const checked = pods.slice(0, MAX_PODS_TO_CHECK);
    const byReason = new Map<string, { name: string; count: number }>();
    for (const pod of checked) {
      const violations = evaluatePod(enforce.level, enforce.version, (pod.metadata ?? {}) as Json, (pod.spec ?? {}) as Json);
      if (!violations.length) continue;
      const reason = forbiddenReason(violations);
      const name = pod.metadata?.name ?? '';
      const entry = byReason.get(reason);
      if (!entry) byReason.set(reason, { name, count: 1 });
      else byReason.set(reason, { name: name < entry.name ? name : entry.name, count: entry.count + 1 });
    }
    const warnings: string[] = [];
    if (checked.length < pods.length) warnings.push(`new PodSecurity enforce level only checked against the first ${checked.length} of ${pods.length} existing pods`);
    if (byReason.size) warnings.push(`existing pods in namespace ${JSON.stringify(namespace)} violate the new PodSecurity enforce level ${JSON.stringify(show(enforce))}`);
    const decorated = [...byReason].map(([reason, { name, count }]) =>
      count === 1 ? `${name}: ${reason}` : count === 2 ? `${name} (and 1 other pod): ${reason}` : `${name} (and ${count - 1} other pods): ${reason}`,
    );
    return [...warnings, ...decorated.sort()];
  }

  function exemptNamespaceWarning(name: string, policy: Policy, labels: Record<string, string>): string | undefined {
    if (fullyPrivileged(policy) || MODES.every((m) => equivalent(policy[m], config.defaults[m]))) return undefined;
    const parts = MODES.filter((m) => policy[m].level !== 'privileged' && (LABEL_PREFIX + m in labels || `${LABEL_PREFIX}${m}-version` in labels)).map((m) => `${m}=${show(policy[m])}`);
    return `namespace ${JSON.stringify(name)} is exempt from Pod Security, and the policy (${parts.join(', ')}) will be ignored`;
  }

  async function validateNamespace(a: AdmissionAttributes): Promise<void> {
    if (a.subresource || !a.object) return;
    const namespace = a.object;
    const name = namespace.metadata?.name ?? a.name;
    const labels = namespace.metadata?.labels ?? {};
    const { policy, errors } = policyOf(labels, config.defaults);
    const warn = (message: string | undefined) => message && a.recorder?.warning(message);
    if (a.operation === 'CREATE') {
      if (errors.length) throw invalid('Namespace', '', name, errors);
      if (exemptNamespace(name)) warn(exemptNamespaceWarning(name, policy, labels));
      return;
    }
    const before = policyOf(a.oldObject?.metadata?.labels, config.defaults);
    if (errors.length && (!before.errors.length || JSON.stringify(errors) !== JSON.stringify(before.errors))) throw invalid('Namespace', '', name, errors);
    if (sameLevelVersion(policy.enforce, before.policy.enforce) || policy.enforce.level === 'privileged') return;
    if (policy.enforce.version === before.policy.enforce.version && levelRank(policy.enforce.level) <= levelRank(before.policy.enforce.level)) return;
    if (exemptNamespace(name)) return void warn(exemptNamespaceWarning(name, policy, labels));
    for (const message of await existingViolations(name, policy.enforce)) warn(message);
  }

  return {
    name: 'PodSecurity',
    handles: (op) => op === 'CREATE' || op === 'UPDATE',
    async validate(a) {
      if (!a.object) return;
      if (isResource(a, '', 'namespaces')) return validateNamespace(a);
      if (isResource(a, '', 'pods')) return validatePod(a);
      const template = TEMPLATES[`${a.resource.group}/${a.resource.resource}`];
      if (template) return validateWorkload(a, template);
    },
  };
}
