// Resource names and the values they may carry, as kube validates them in quotas, limit ranges,
// overheads and container resources (pkg/apis/core/helper and the core validation of resources).
import { field, isQualifiedName, type FieldError } from '@kapi/api-machinery';
import { formatQuantity, isWholeNumber, readQuantity, QUANTITY_FORMAT_MESSAGE, type Quantity } from './quantity.js';

const HUGE_PAGES_PREFIX = 'hugepages-';
const REQUESTS_HUGE_PAGES_PREFIX = 'requests.hugepages-';
const REQUESTS_PREFIX = 'requests.';
const KUBERNETES_IO_PREFIX = 'kubernetes.io/';

const OBJECT_COUNTS = ['pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets', 'configmaps', 'persistentvolumeclaims', 'services.nodeports', 'services.loadbalancers'];
const COMPUTE = ['cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory', 'limits.ephemeral-storage'];
const STANDARD_QUOTA_RESOURCES = new Set([...COMPUTE, 'requests.storage', ...OBJECT_COUNTS]);
const STANDARD_RESOURCES = new Set([...COMPUTE, ...OBJECT_COUNTS, 'storage', 'requests.storage']);
const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const INTEGER_RESOURCES = new Set(OBJECT_COUNTS);

export const QUOTA_SCOPES = ['BestEffort', 'CrossNamespacePodAffinity', 'NotBestEffort', 'NotTerminating', 'PriorityClass', 'Terminating', 'VolumeAttributesClass'];
const POD_OBJECT_COUNT = new Set(['pods']);
const POD_COMPUTE = new Set(['cpu', 'memory', 'limits.cpu', 'limits.memory', 'requests.cpu', 'requests.memory']);
const CLAIM_RESOURCES = new Set(['persistentvolumeclaims', 'requests.storage']);

const hasSlash = (name: string) => name.includes('/');
const isHugePages = (name: string) => name.startsWith(HUGE_PAGES_PREFIX);
const isQuotaHugePages = (name: string) => isHugePages(name) || name.startsWith(REQUESTS_HUGE_PAGES_PREFIX);

/** Unprefixed names and names under kubernetes.io/ are kube's own. */
export const isNativeResource = (name: string) => !hasSlash(name) || name.includes(KUBERNETES_IO_PREFIX);

export function isExtendedResourceName(name: string): boolean {
  if (isNativeResource(name) || name.startsWith(REQUESTS_PREFIX)) return false;
  return isQualifiedName(REQUESTS_PREFIX + name).length === 0;
}

export const isIntegerResourceName = (name: string) => INTEGER_RESOURCES.has(name) || isExtendedResourceName(name);
export const isOvercommitAllowed = (name: string) => isNativeResource(name) && !isHugePages(name);
export const isStandardQuotaResourceName = (name: string) => STANDARD_QUOTA_RESOURCES.has(name) || isQuotaHugePages(name);
const isStandardResourceName = (name: string) => STANDARD_RESOURCES.has(name) || isQuotaHugePages(name);
const isStandardContainerResourceName = (name: string) => STANDARD_CONTAINER_RESOURCES.has(name) || isHugePages(name);

/** Which resources a quota scope can limit. */
export function isScopeValidForResource(scope: string, resource: string): boolean {
  switch (scope) {
    case 'Terminating':
    case 'NotTerminating':
    case 'NotBestEffort':
    case 'PriorityClass':
    case 'CrossNamespacePodAffinity':
      return POD_OBJECT_COUNT.has(resource) || POD_COMPUTE.has(resource);
    case 'BestEffort':
      return POD_OBJECT_COUNT.has(resource);
    case 'VolumeAttributesClass':
      return CLAIM_RESOURCES.has(resource);
    default:
      return true;
  }
}

export function validateResourceName(name: string, path: string): FieldError[] {
  const errs = isQualifiedName(name).map((msg) => field.invalid(path, name, msg));
  if (errs.length) return errs;
  if (!hasSlash(name) && !isStandardResourceName(name)) errs.push(field.invalid(path, name, 'must be a standard resource type or fully qualified'));
  return errs;
}

export function validateQuotaResourceName(name: string, path: string): FieldError[] {
  const errs = validateResourceName(name, path);
  if (!hasSlash(name) && !isStandardQuotaResourceName(name)) errs.push(field.invalid(path, name, 'must be a standard resource for quota'));
  return errs;
}

export function validateContainerResourceName(name: string, path: string): FieldError[] {
  const errs = validateResourceName(name, path);
  if (!hasSlash(name)) {
    if (!isStandardContainerResourceName(name)) errs.push(field.invalid(path, name, 'must be a standard resource for containers'));
  } else if (!isNativeResource(name) && !isExtendedResourceName(name)) {
    errs.push(field.invalid(path, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

/** Reads a quantity for validation; a malformed one is reported where it is. */
export function quantityAt(raw: unknown, path: string, errs: FieldError[]): Quantity | undefined {
  const q = readQuantity(raw);
  if (!q) errs.push(field.invalid(path, raw, QUANTITY_FORMAT_MESSAGE));
  return q;
}

/** kube's ValidateResourceQuantityValue: never negative, whole for countable resources. */
export function validateResourceQuantityValue(resource: string, q: Quantity, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (q.value < 0n) errs.push(field.invalid(path, formatQuantity(q), 'must be greater than or equal to 0'));
  if (isIntegerResourceName(resource) && !isWholeNumber(q)) errs.push(field.invalid(path, formatQuantity(q), 'must be an integer'));
  return errs;
}

/** kube's ValidateResourceRequirements for a list of limits (overheads, container limits). */
export function validateLimitsList(limits: Record<string, unknown> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let cpuOrMemory = false;
  let hugePages = false;
  for (const [name, raw] of Object.entries(limits ?? {})) {
    const at = `${path}[${name}]`;
    errs.push(...validateContainerResourceName(name, at));
    const q = quantityAt(raw, at, errs);
    if (q) errs.push(...validateResourceQuantityValue(name, q, at));
    if (isHugePages(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') cpuOrMemory = true;
  }
  if (hugePages && !cpuOrMemory) errs.push(field.forbidden(path.replace(/\.limits$/, ''), 'HugePages require cpu or memory'));
  return errs;
}
