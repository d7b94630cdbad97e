// The part of a PodSpec every template and pod needs: kube's defaults (SetDefaults_PodSpec, _Container,
// _Volume) and the validation of what users most often get wrong (containers, names, images, policies,
// ports, resources, volumes, tolerations). Probes, security contexts and affinity are not validated yet.
import { field, isDns1123Label, isDns1123Subdomain, validateAnnotations, validateLabels, type FieldError } from '@kapi/api-machinery';
import { compareQuantities, formatQuantity, normalizeResourceList, readQuantity } from '../resourcequota/quantity.js';
import { isOvercommitAllowed, validateLimitsList } from '../resourcequota/resource-names.js';
import { validateTolerations, type Toleration } from '../runtimeclass/strategy.js';

export interface ContainerPort {
  name?: string;
  containerPort?: number;
  hostPort?: number;
  protocol?: string;
}

export interface Container {
  name?: string;
  image?: string;
  imagePullPolicy?: string;
  terminationMessagePath?: string;
  terminationMessagePolicy?: string;
  ports?: ContainerPort[];
  resources?: { limits?: Record<string, string>; requests?: Record<string, string> };
  volumeMounts?: { name?: string; mountPath?: string; readOnly?: boolean }[];
}

/** A container added to a running pod for debugging (`kubectl debug`); it may target another's namespaces. */
export type EphemeralContainer = Container & { targetContainerName?: string } & Record<string, unknown>;

/** A volume: its name and exactly one source (emptyDir, configMap, secret, ...), each an object. */
export type Volume = { name?: string } & Record<string, unknown>;

export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  restartPolicy?: string;
  dnsPolicy?: string;
  terminationGracePeriodSeconds?: number;
  securityContext?: Record<string, unknown>;
  schedulerName?: string;
  serviceAccountName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  volumes?: Volume[];
  nodeName?: string;
  hostNetwork?: boolean;
  enableServiceLinks?: boolean;
  serviceAccount?: string;
  priority?: number;
  priorityClassName?: string;
  preemptionPolicy?: string;
  activeDeadlineSeconds?: number;
  ephemeralContainers?: EphemeralContainer[];
  readinessGates?: { conditionType?: string }[];
  schedulingGates?: { name?: string }[];
}

export interface PodTemplateSpec {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: PodSpec;
}

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

/** IsValidPortName: an IANA service name. */
export function isValidPortName(name: string): string[] {
  const errs: string[] = [];
  if (name.length > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(name)) errs.push('must contain at least one letter (a-z)');
  if (name.includes('--')) errs.push('must not contain consecutive hyphens (-)');
  if (name.startsWith('-') || name.endsWith('-')) errs.push('must not begin or end with a hyphen (-)');
  return errs;
}

/** The tag of an image reference ("latest" when none is given and no digest pins it). */
export function imageTag(image: string): string {
  const [withoutDigest, digest] = image.split('@');
  const lastSegment = withoutDigest.slice(withoutDigest.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  if (colon >= 0) return lastSegment.slice(colon + 1);
  return digest === undefined ? 'latest' : '';
}

function defaultContainer(c: Container, kind: string): void {
  if (!c || typeof c !== 'object') return;
  c.imagePullPolicy ||= imageTag(c.image ?? '') === 'latest' ? 'Always' : 'IfNotPresent';
  c.terminationMessagePath ||= '/dev/termination-log';
  c.terminationMessagePolicy ||= 'File';
  // Go always writes the (non-pointer) resources struct.
  c.resources ??= {};
  for (const ports of [c.ports ?? []]) for (const p of ports) if (p && typeof p === 'object') p.protocol ||= 'TCP';
  const limits = normalizeResourceList(c.resources.limits, kind);
  if (limits) c.resources.limits = limits;
  const requests = normalizeResourceList(c.resources.requests, kind);
  if (requests) c.resources.requests = requests;
}

/** The volume sources kube knows; a volume names exactly one of them. */
const VOLUME_SOURCES = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile',
  'configMap', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume',
  'scaleIO', 'storageos', 'csi', 'ephemeral', 'image',
];
const DEFAULT_MODE_SOURCES = ['secret', 'configMap', 'downwardAPI', 'projected'];

/** SetDefaults_Volume: a volume without a source is an emptyDir; file sources get mode 0644. */
function defaultVolume(v: Volume): void {
  if (!v || typeof v !== 'object') return;
  if (!VOLUME_SOURCES.some((s) => v[s] !== undefined && v[s] !== null)) v.emptyDir = {};
  for (const s of DEFAULT_MODE_SOURCES) {
    const source = v[s] as { defaultMode?: number } | undefined;
    if (source && typeof source === 'object') source.defaultMode ??= 0o644;
  }
}

/** SetDefaults_PodSpec, SetDefaults_Container and SetDefaults_Volume; `kind` names the object in decoding errors. */
export function applyPodSpecDefaults(spec: PodSpec, kind = 'PodTemplate'): void {
  spec.dnsPolicy ||= 'ClusterFirst';
  spec.restartPolicy ||= 'Always';
  spec.securityContext ??= {};
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ||= 'default-scheduler';
  // v1 still carries the deprecated serviceAccount: either field names the account, and both show it.
  if (!spec.serviceAccountName && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
  for (const c of spec.containers ?? []) defaultContainer(c, kind);
  for (const c of spec.initContainers ?? []) defaultContainer(c, kind);
  for (const c of spec.ephemeralContainers ?? []) defaultContainer(c, kind);
  for (const v of spec.volumes ?? []) defaultVolume(v);
}

/** A request never exceeds its limit; resources that cannot overcommit need both, equal. */
function validateRequestsAgainstLimits(resources: NonNullable<Container['resources']>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const limits = resources.limits ?? {};
  for (const [name, raw] of Object.entries(resources.requests ?? {})) {
    const request = readQuantity(raw);
    if (!request) continue;
    if (name in limits) {
      const limit = readQuantity(limits[name]);
      if (!limit) continue;
      const cmp = compareQuantities(request, limit);
      if (cmp !== 0 && !isOvercommitAllowed(name)) errs.push(field.invalid(`${path}.requests`, formatQuantity(request), `must be equal to ${name} limit`));
      else if (cmp > 0) errs.push(field.invalid(`${path}.requests`, formatQuantity(request), `must be less than or equal to ${name} limit`));
    } else if (!isOvercommitAllowed(name)) {
      errs.push(field.required(`${path}.limits`, 'Limit must be set for non overcommitable resources'));
    }
  }
  return errs;
}

/** A container's or volume's name: required, a DNS label, and not one already in `names`. */
function validateUniqueName(name: string, path: string, names: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  if (!name) errs.push(field.required(path));
  else for (const msg of isDns1123Label(name)) errs.push(field.invalid(path, name, msg));
  if (name && names.has(name)) errs.push(field.duplicate(path, name));
  names.add(name);
  return errs;
}

function validateVolumes(volumes: Volume[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  (volumes ?? []).forEach((v, i) => {
    const at = `${path}[${i}]`;
    errs.push(...validateUniqueName(v?.name ?? '', `${at}.name`, names));
    const sources = VOLUME_SOURCES.filter((s) => v?.[s] !== undefined && v?.[s] !== null);
    if (sources.length === 0) errs.push(field.required(at, 'must specify a volume type'));
    for (const extra of sources.slice(1)) errs.push(field.forbidden(`${at}.${extra}`, 'may not specify more than 1 volume type'));
  });
  return errs;
}

function validateVolumeMounts(mounts: Container['volumeMounts'], path: string, volumes: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  const paths = new Set<string>();
  (mounts ?? []).forEach((m, i) => {
    const at = `${path}[${i}]`;
    const name = m?.name ?? '';
    if (!name) errs.push(field.required(`${at}.name`));
    else if (!volumes.has(name)) errs.push(field.notFound(`${at}.name`, name));
    const mountPath = m?.mountPath ?? '';
    if (!mountPath) errs.push(field.required(`${at}.mountPath`));
    else if (paths.has(mountPath)) errs.push(field.invalid(`${at}.mountPath`, mountPath, 'must be unique'));
    paths.add(mountPath);
  });
  return errs;
}

function validateContainers(containers: Container[] | undefined, path: string, names: Set<string>, required: boolean, volumes: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  if (required && !containers?.length) return [field.required(path)];
  (containers ?? []).forEach((c, i) => {
    const at = `${path}[${i}]`;
    errs.push(...validateUniqueName(c?.name ?? '', `${at}.name`, names));
    if (!c?.image) errs.push(field.required(`${at}.image`));
    const pull = c?.imagePullPolicy ?? '';
    if (!pull) errs.push(field.required(`${at}.imagePullPolicy`));
    else if (!PULL_POLICIES.includes(pull)) errs.push(field.notSupported(`${at}.imagePullPolicy`, pull, PULL_POLICIES));
    const tmp = c?.terminationMessagePolicy ?? '';
    if (!tmp) errs.push(field.required(`${at}.terminationMessagePolicy`));
    else if (!TERMINATION_MESSAGE_POLICIES.includes(tmp)) errs.push(field.notSupported(`${at}.terminationMessagePolicy`, tmp, TERMINATION_MESSAGE_POLICIES));
    const portNames = new Set<string>();
    (c?.ports ?? []).forEach((p, j) => {
      const portAt = `${at}.ports[${j}]`;
      if (p?.name) {
        for (const msg of isValidPortName(p.name)) errs.push(field.invalid(`${portAt}.name`, p.name, msg));
        if (portNames.has(p.name)) errs.push(field.duplicate(`${portAt}.name`, p.name));
        portNames.add(p.name);
      }
      const port = p?.containerPort;
      if (port === undefined || port === 0) errs.push(field.required(`${portAt}.containerPort`));
      else if (!Number.isInteger(port) || port < 1 || port > 65535) errs.push(field.invalid(`${portAt}.containerPort`, port, 'must be between 1 and 65535, inclusive'));
      if (p?.hostPort && (!Number.isInteger(p.hostPort) || p.hostPort < 1 || p.hostPort > 65535)) {
        errs.push(field.invalid(`${portAt}.hostPort`, p.hostPort, 'must be between 1 and 65535, inclusive'));
      }
      const protocol = p?.protocol ?? '';
      if (!protocol) errs.push(field.required(`${portAt}.protocol`));
      else if (!PROTOCOLS.includes(protocol)) errs.push(field.notSupported(`${portAt}.protocol`, protocol, PROTOCOLS));
    });
    errs.push(...validateLimitsList(c?.resources?.limits, `${at}.resources.limits`));
    errs.push(...validateLimitsList(c?.resources?.requests, `${at}.resources.requests`));
    errs.push(...validateRequestsAgainstLimits(c?.resources ?? {}, `${at}.resources`));
    errs.push(...validateVolumeMounts(c?.volumeMounts, `${at}.volumeMounts`, volumes));
  });
  return errs;
}

/** What an ephemeral container may not have: it serves no traffic and takes no resources of its own. */
const EPHEMERAL_FORBIDDEN = ['ports', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'resources', 'resizePolicy', 'restartPolicy'];

function validateEphemeralContainers(spec: PodSpec, path: string, names: Set<string>, volumes: Set<string>): FieldError[] {
  const ephemeral = spec.ephemeralContainers ?? [];
  const targets = new Set([...(spec.containers ?? []), ...(spec.initContainers ?? [])].map((c) => c?.name ?? ''));
  const errs = validateContainers(ephemeral, path, names, false, volumes);
  ephemeral.forEach((c, i) => {
    const at = `${path}[${i}]`;
    if (c?.targetContainerName && !targets.has(c.targetContainerName)) errs.push(field.notFound(`${at}.targetContainerName`, c.targetContainerName));
    for (const key of EPHEMERAL_FORBIDDEN) {
      const value = c?.[key];
      const empty = value === undefined || value === null || (typeof value === 'object' && Object.keys(value).length === 0);
      if (!empty) errs.push(field.forbidden(`${at}.${key}`, 'cannot be set for an Ephemeral Container'));
    }
  });
  return errs;
}

/** ValidatePodTemplateSpec, for the fields validatePodSpec checks. */
export function validatePodTemplateSpec(template: PodTemplateSpec | undefined, path: string): FieldError[] {
  const t = template ?? {};
  return [
    ...validateLabels(t.metadata?.labels, `${path}.labels`),
    ...validateAnnotations(t.metadata?.annotations, `${path}.annotations`),
    ...validatePodSpec(t.spec ?? {}, `${path}.spec`),
    ...(t.spec?.ephemeralContainers?.length ? [field.forbidden(`${path}.spec.ephemeralContainers`, 'ephemeral containers not allowed in pod template')] : []),
  ];
}

/** ValidatePodSpec, for volumes, containers, policies, the service account, node selector and tolerations. */
export function validatePodSpec(spec: PodSpec, specPath: string): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateVolumes(spec.volumes, `${specPath}.volumes`));
  const volumes = new Set((spec.volumes ?? []).map((v) => v?.name ?? ''));
  const names = new Set<string>();
  errs.push(...validateContainers(spec.containers, `${specPath}.containers`, names, true, volumes));
  errs.push(...validateContainers(spec.initContainers, `${specPath}.initContainers`, names, false, volumes));
  errs.push(...validateEphemeralContainers(spec, `${specPath}.ephemeralContainers`, names, volumes));
  if (spec.hostNetwork) {
    for (const key of ['containers', 'initContainers'] as const) {
      (spec[key] ?? []).forEach((c, i) =>
        (c?.ports ?? []).forEach((p, j) => {
          if (p?.hostPort && p.hostPort !== p.containerPort) {
            errs.push(field.invalid(`${specPath}.${key}[${i}].ports[${j}].containerPort`, p.containerPort, 'must match `hostPort` when `hostNetwork` is true'));
          }
        }),
      );
    }
  }
  const restart = spec.restartPolicy ?? '';
  if (!restart) errs.push(field.required(`${specPath}.restartPolicy`));
  else if (!RESTART_POLICIES.includes(restart)) errs.push(field.notSupported(`${specPath}.restartPolicy`, restart, RESTART_POLICIES));
  const dns = spec.dnsPolicy ?? '';
  if (!dns) errs.push(field.required(`${specPath}.dnsPolicy`));
  else if (!DNS_POLICIES.includes(dns)) errs.push(field.notSupported(`${specPath}.dnsPolicy`, dns, DNS_POLICIES));
  const grace = spec.terminationGracePeriodSeconds;
  if (typeof grace === 'number' && grace < 0) errs.push(field.invalid(`${specPath}.terminationGracePeriodSeconds`, grace, 'must be greater than or equal to 0'));
  const deadline = spec.activeDeadlineSeconds;
  if (typeof deadline === 'number' && (deadline <= 0 || deadline > 2147483647)) {
    errs.push(field.invalid(`${specPath}.activeDeadlineSeconds`, deadline, 'must be between 1 and 2147483647, inclusive'));
  }
  if (spec.nodeName) for (const msg of isDns1123Subdomain(spec.nodeName)) errs.push(field.invalid(`${specPath}.nodeName`, spec.nodeName, msg));
  if (spec.serviceAccountName) {
    for (const msg of isDns1123Subdomain(spec.serviceAccountName)) errs.push(field.invalid(`${specPath}.serviceAccountName`, spec.serviceAccountName, msg));
  }
  errs.push(...validateLabels(spec.nodeSelector, `${specPath}.nodeSelector`));
  errs.push(...validateTolerations(spec.tolerations, `${specPath}.tolerations`));
  return errs;
}
