// The part of a PodSpec every template needs: kube's defaults (SetDefaults_PodSpec, _Container) and
// the validation of what users most often get wrong (containers, names, images, policies, ports,
// resources, tolerations). The full pod validation (volumes, probes, security contexts, affinity...)
// is not here yet.
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
}

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

/** The tag of an image reference ("latest" when none is given and no digest pins it). */
export function imageTag(image: string): string {
  const [withoutDigest, digest] = image.split('@');
  const lastSegment = withoutDigest.slice(withoutDigest.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  if (colon >= 0) return lastSegment.slice(colon + 1);
  return digest === undefined ? 'latest' : '';
}

function defaultContainer(c: Container): void {
  if (!c || typeof c !== 'object') return;
  c.imagePullPolicy ||= imageTag(c.image ?? '') === 'latest' ? 'Always' : 'IfNotPresent';
  c.terminationMessagePath ||= '/dev/termination-log';
  c.terminationMessagePolicy ||= 'File';
  // Go always writes the (non-pointer) resources struct.
  c.resources ??= {};
  for (const ports of [c.ports ?? []]) for (const p of ports) if (p && typeof p === 'object') p.protocol ||= 'TCP';
  const limits = normalizeResourceList(c.resources.limits, 'PodTemplate');
  if (limits) c.resources.limits = limits;
  const requests = normalizeResourceList(c.resources.requests, 'PodTemplate');
  if (requests) c.resources.requests = requests;
}

/** SetDefaults_PodSpec and SetDefaults_Container. */
export function applyPodSpecDefaults(spec: PodSpec): void {
  spec.dnsPolicy ||= 'ClusterFirst';
  spec.restartPolicy ||= 'Always';
  spec.securityContext ??= {};
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ||= 'default-scheduler';
  for (const c of spec.containers ?? []) defaultContainer(c);
  for (const c of spec.initContainers ?? []) defaultContainer(c);
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

function validateContainers(containers: Container[] | undefined, path: string, names: Set<string>, required: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (required && !containers?.length) return [field.required(path)];
  (containers ?? []).forEach((c, i) => {
    const at = `${path}[${i}]`;
    const name = c?.name ?? '';
    if (!name) errs.push(field.required(`${at}.name`));
    else for (const msg of isDns1123Label(name)) errs.push(field.invalid(`${at}.name`, name, msg));
    if (name && names.has(name)) errs.push(field.duplicate(`${at}.name`, name));
    names.add(name);
    if (!c?.image) errs.push(field.required(`${at}.image`));
    const pull = c?.imagePullPolicy ?? '';
    if (!pull) errs.push(field.required(`${at}.imagePullPolicy`));
    else if (!PULL_POLICIES.includes(pull)) errs.push(field.notSupported(`${at}.imagePullPolicy`, pull, PULL_POLICIES));
    const tmp = c?.terminationMessagePolicy ?? '';
    if (!tmp) errs.push(field.required(`${at}.terminationMessagePolicy`));
    else if (!TERMINATION_MESSAGE_POLICIES.includes(tmp)) errs.push(field.notSupported(`${at}.terminationMessagePolicy`, tmp, TERMINATION_MESSAGE_POLICIES));
    (c?.ports ?? []).forEach((p, j) => {
      const portAt = `${at}.ports[${j}]`;
      if (p?.name) for (const msg of isDns1123Label(p.name)) errs.push(field.invalid(`${portAt}.name`, p.name, msg));
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
  });
  return errs;
}

/** ValidatePodTemplateSpec, for the fields above. */
export function validatePodTemplateSpec(template: PodTemplateSpec | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const t = template ?? {};
  errs.push(...validateLabels(t.metadata?.labels, `${path}.labels`));
  errs.push(...validateAnnotations(t.metadata?.annotations, `${path}.annotations`));
  const spec = t.spec ?? {};
  const specPath = `${path}.spec`;
  const names = new Set<string>();
  errs.push(...validateContainers(spec.containers, `${specPath}.containers`, names, true));
  errs.push(...validateContainers(spec.initContainers, `${specPath}.initContainers`, names, false));
  const restart = spec.restartPolicy ?? '';
  if (!restart) errs.push(field.required(`${specPath}.restartPolicy`));
  else if (!RESTART_POLICIES.includes(restart)) errs.push(field.notSupported(`${specPath}.restartPolicy`, restart, RESTART_POLICIES));
  const dns = spec.dnsPolicy ?? '';
  if (!dns) errs.push(field.required(`${specPath}.dnsPolicy`));
  else if (!DNS_POLICIES.includes(dns)) errs.push(field.notSupported(`${specPath}.dnsPolicy`, dns, DNS_POLICIES));
  const grace = spec.terminationGracePeriodSeconds;
  if (typeof grace === 'number' && grace < 0) errs.push(field.invalid(`${specPath}.terminationGracePeriodSeconds`, grace, 'must be greater than or equal to 0'));
  if (spec.serviceAccountName) {
    for (const msg of isDns1123Subdomain(spec.serviceAccountName)) errs.push(field.invalid(`${specPath}.serviceAccountName`, spec.serviceAccountName, msg));
  }
  errs.push(...validateLabels(spec.nodeSelector, `${specPath}.nodeSelector`));
  errs.push(...validateTolerations(spec.tolerations, `${specPath}.tolerations`));
  return errs;
}
