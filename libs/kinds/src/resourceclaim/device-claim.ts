// The device requests a ResourceClaim (or the claim a ResourceClaimTemplate stamps out) makes:
// kube's defaults for them and its checks of the mistakes a client makes most (names, the choice
// of `exactly` or `firstAvailable`, class names, allocation modes and counts).
import { field, isDns1123Label, isDns1123Subdomain, type FieldError } from '@kapi/api-machinery';
import { validateDeviceSelectors, type DeviceSelector } from '../deviceclass/selectors.js';

export interface ExactDeviceRequest {
  deviceClassName?: string;
  selectors?: DeviceSelector[] | null;
  allocationMode?: string;
  count?: number | null;
}

export interface DeviceRequest {
  name?: string;
  exactly?: ExactDeviceRequest | null;
  firstAvailable?: (ExactDeviceRequest & { name?: string })[] | null;
}

export interface ResourceClaimSpec {
  devices?: { requests?: DeviceRequest[] | null } | null;
}

const ALLOCATION_MODES = ['All', 'ExactCount'];
const MAX_REQUESTS = 32;
const MAX_SUBREQUESTS = 8;

const requestsOf = (spec: ResourceClaimSpec | undefined): DeviceRequest[] => (Array.isArray(spec?.devices?.requests) ? spec.devices.requests : []);

function defaultExact(request: ExactDeviceRequest | null | undefined): void {
  if (!request || typeof request !== 'object') return;
  request.allocationMode ||= 'ExactCount';
  // An unset count (kube's int64 zero) is one device.
  if (request.allocationMode === 'ExactCount' && !request.count) request.count = 1;
}

/** kube's SetDefaults for device requests: ExactCount of one device unless said otherwise. */
export function defaultClaimSpec(spec: ResourceClaimSpec | undefined): void {
  for (const request of requestsOf(spec)) {
    defaultExact(request?.exactly);
    for (const sub of Array.isArray(request?.firstAvailable) ? request.firstAvailable : []) defaultExact(sub);
  }
}

function validateExact(request: ExactDeviceRequest, at: string): FieldError[] {
  const errs: FieldError[] = [];
  const className = request.deviceClassName ?? '';
  if (!className) errs.push(field.required(`${at}.deviceClassName`));
  else for (const msg of isDns1123Subdomain(className)) errs.push(field.invalid(`${at}.deviceClassName`, className, msg));
  errs.push(...validateDeviceSelectors(request.selectors, `${at}.selectors`));
  switch (request.allocationMode) {
    case 'All':
      if (request.count) errs.push(field.invalid(`${at}.count`, request.count, "must not be specified when allocationMode is 'All'"));
      break;
    case 'ExactCount':
      if ((request.count ?? 0) <= 0) errs.push(field.invalid(`${at}.count`, request.count ?? 0, 'must be greater than zero'));
      break;
    default:
      errs.push(field.notSupported(`${at}.allocationMode`, request.allocationMode ?? '', ALLOCATION_MODES));
  }
  return errs;
}

function validateRequest(request: DeviceRequest, at: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const msg of isDns1123Label(request?.name ?? '')) errs.push(field.invalid(`${at}.name`, request?.name ?? '', msg));
  const exactly = request?.exactly;
  const firstAvailable = Array.isArray(request?.firstAvailable) ? request.firstAvailable : [];
  if (exactly && firstAvailable.length) {
    errs.push(field.invalid(at, null, 'exactly one of `exactly` or `firstAvailable` is required, but multiple fields are set'));
  } else if (exactly) {
    errs.push(...validateExact(exactly, `${at}.exactly`));
  } else if (firstAvailable.length) {
    if (firstAvailable.length > MAX_SUBREQUESTS) errs.push(field.tooMany(`${at}.firstAvailable`, firstAvailable.length, MAX_SUBREQUESTS));
    const names = new Set<string>();
    firstAvailable.forEach((sub, j) => {
      const subAt = `${at}.firstAvailable[${j}]`;
      for (const msg of isDns1123Label(sub?.name ?? '')) errs.push(field.invalid(`${subAt}.name`, sub?.name ?? '', msg));
      errs.push(...validateExact(sub ?? {}, subAt));
    });
    firstAvailable.forEach((sub, j) => {
      const name = sub?.name ?? '';
      if (names.has(name)) errs.push(field.duplicate(`${at}.firstAvailable[${j}].name`, name));
      names.add(name);
    });
  } else {
    errs.push(field.required(at, 'exactly one of `exactly` or `firstAvailable` is required'));
  }
  return errs;
}

/** kube's validateResourceClaimSpec, for the common mistakes; `path` is where the spec is. */
export function validateClaimSpec(spec: ResourceClaimSpec | undefined, path: string): FieldError[] {
  const at = `${path}.devices.requests`;
  const requests = requestsOf(spec);
  const errs: FieldError[] = [];
  if (requests.length > MAX_REQUESTS) errs.push(field.tooMany(at, requests.length, MAX_REQUESTS));
  requests.forEach((request, i) => errs.push(...validateRequest(request, `${at}[${i}]`)));
  // Duplicates come after the items' own errors, as kube's list validation reports them.
  const names = new Set<string>();
  requests.forEach((request, i) => {
    const name = request?.name ?? '';
    if (names.has(name)) errs.push(field.duplicate(`${at}[${i}].name`, name));
    names.add(name);
  });
  return errs;
}
