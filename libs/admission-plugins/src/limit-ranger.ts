// LimitRanger: a namespace's LimitRanges give a new pod's containers their default requests and
// limits (noted in the kubernetes.io/limit-ranger annotation), and bound what pods (per container
// and per pod) and PersistentVolumeClaims may ask for: min, max and the limit/request ratio, each
// refusal in kube's words. Pods are checked on create; claims on create and update. LimitRanges come
// from an informer; a namespace it holds none of is listed live (and remembered for 30 s), as kube does.
import type { AdmissionAttributes, AdmissionPlugin } from '@kapi/admission-chain';
import type { KubeObject } from '@kapi/api-machinery';
import type { Quantity } from '@kapi/kinds';
import { admissionForbidden, aggregate, isKind } from './admission-errors.js';
import { RESOURCES, type PluginContext } from './context.js';
import { specOf, type Json } from './pods.js';
import { addInto, maxInto, milliValue, quantityString, resourceList, value, type ResourceList } from './quantities.js';
import { waitForReady } from './ready.js';

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';
const LIVE_LOOKUP_TTL_MS = 30_000;
/** resource.MaxMilliValue: the largest value that can be compared in thousandths without overflow. */
const MAX_MILLI_VALUE = 9223372036854775n;

interface LimitRangeItem {
  type?: string;
  max?: Record<string, unknown>;
  min?: Record<string, unknown>;
  default?: Record<string, unknown>;
  defaultRequest?: Record<string, unknown>;
  maxLimitRequestRatio?: Record<string, unknown>;
}

const itemsOf = (lr: KubeObject): LimitRangeItem[] => {
  const limits = (lr.spec as { limits?: unknown } | undefined)?.limits;
  return Array.isArray(limits) ? limits.filter((l) => l && typeof l === 'object') : [];
};

const sortedEntries = (raw: Record<string, unknown> | undefined) => [...resourceList(raw)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** requestLimitEnforcedValues: the three at a common precision, thousandths when none overflows. */
function comparable(request: Quantity | undefined, limit: Quantity | undefined, enforced: Quantity): [bigint, bigint, bigint] {
  const [r, l, e] = [value(request), value(limit), value(enforced)];
  if (r <= MAX_MILLI_VALUE && l <= MAX_MILLI_VALUE && e <= MAX_MILLI_VALUE) return [milliValue(request), milliValue(limit), milliValue(enforced)];
  return [r, l, e];
}

function minConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  const [r, l, e] = comparable(req, lim, enforced);
  if (!req) return `minimum ${name} usage per ${type} is ${quantityString(enforced)}.  No request is specified`;
  if (r < e) return `minimum ${name} usage per ${type} is ${quantityString(enforced)}, but request is ${quantityString(req)}`;
  if (lim && l < e) return `minimum ${name} usage per ${type} is ${quantityString(enforced)}, but limit is ${quantityString(lim)}`;
  return undefined;
}

function maxConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  const [r, l, e] = comparable(req, lim, enforced);
  if (!lim) return `maximum ${name} usage per ${type} is ${quantityString(enforced)}.  No limit is specified`;
  if (l > e) return `maximum ${name} usage per ${type} is ${quantityString(enforced)}, but limit is ${quantityString(lim)}`;
  if (req && r > e) return `maximum ${name} usage per ${type} is ${quantityString(enforced)}, but request is ${quantityString(req)}`;
  return undefined;
}

/** For claims, where only requests count: the max bounds the request. */
function maxRequestConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList): string | undefined {
  const req = requests.get(name);
  const [r, , e] = comparable(req, undefined, enforced);
  if (!req) return `maximum ${name} usage per ${type} is ${quantityString(enforced)}.  No request is specified`;
  if (r > e) return `maximum ${name} usage per ${type} is ${quantityString(enforced)}, but request is ${quantityString(req)}`;
  return undefined;
}

function ratioConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  const [r, l] = comparable(req, lim, enforced);
  const shown = quantityString(enforced);
  if (!req || r === 0n) return `${name} max limit to request ratio per ${type} is ${shown}, but no request is specified or request is 0`;
  if (!lim || l === 0n) return `${name} max limit to request ratio per ${type} is ${shown}, but no limit is specified or limit is 0`;
  const displayed = Number(l) / Number(r);
  let observed = displayed;
  let max = Number(value(enforced));
  if (value(enforced) <= MAX_MILLI_VALUE) {
    observed *= 1000;
    max = Number(milliValue(enforced));
  }
  if (observed > max) return `${name} max limit to request ratio per ${type} is ${shown}, but provided ratio is ${displayed.toFixed(6)}`;
  return undefined;
}

const containerLists = (spec: Json): [string, Json[]][] => [
  ['container', Array.isArray(spec.containers) ? spec.containers.filter((c: unknown) => c && typeof c === 'object') : []],
  ['init container', Array.isArray(spec.initContainers) ? spec.initContainers.filter((c: unknown) => c && typeof c === 'object') : []],
];

const requestsOf = (c: Json) => resourceList(c.resources?.requests);
const limitsOf = (c: Json) => resourceList(c.resources?.limits);

/** What the pod asks for in all: containers and sidecars add up, each other init container counts alone (kube's podRequests). */
function podTotals(spec: Json, of: (c: Json) => ResourceList): ResourceList {
  const total: ResourceList = new Map();
  for (const c of containerLists(spec)[0][1]) addInto(total, of(c));
  const sidecars: ResourceList = new Map();
  const inits: ResourceList = new Map();
  for (const c of containerLists(spec)[1][1]) {
    let own = of(c);
    if (c.restartPolicy === 'Always') {
      addInto(total, own);
      addInto(sidecars, own);
      own = new Map(sidecars);
    } else {
      const withSidecars: ResourceList = new Map(own);
      addInto(withSidecars, sidecars);
      own = withSidecars;
    }
    maxInto(inits, own);
  }
  maxInto(total, inits);
  return total;
}

/** The defaults of the Container items, merged into every container that lacks them; the annotation's parts. */
function mutatePod(limitRange: KubeObject, pod: KubeObject, notes: string[]): void {
  const spec = specOf(pod);
  const defaultRequests: Record<string, unknown> = {};
  const defaultLimits: Record<string, unknown> = {};
  for (const item of itemsOf(limitRange)) {
    if (item.type !== 'Container') continue;
    Object.assign(defaultRequests, item.defaultRequest ?? {});
    Object.assign(defaultLimits, item.default ?? {});
  }
  for (const [what, containers] of containerLists(spec)) {
    for (const c of containers) {
      const resources = (c.resources && typeof c.resources === 'object' ? c.resources : (c.resources = {})) as Json;
      const setLimits: string[] = [];
      const setRequests: string[] = [];
      for (const [name, q] of Object.entries(defaultLimits)) {
        if (resources.limits && Object.hasOwn(resources.limits, name)) continue;
        resources.limits = { ...resources.limits, [name]: q };
        setLimits.push(name);
      }
      for (const [name, q] of Object.entries(defaultRequests)) {
        if (resources.requests && Object.hasOwn(resources.requests, name)) continue;
        resources.requests = { ...resources.requests, [name]: q };
        setRequests.push(name);
      }
      if (setRequests.length) notes.push(`${setRequests.sort().join(', ')} request for ${what} ${c.name ?? ''}`);
      if (setLimits.length) notes.push(`${setLimits.sort().join(', ')} limit for ${what} ${c.name ?? ''}`);
    }
  }
}

function validatePod(limitRange: KubeObject, pod: KubeObject): string[] {
  const spec = specOf(pod);
  const errs: string[] = [];
  const check = (type: string, item: LimitRangeItem, requests: ResourceList, limits: ResourceList) => {
    for (const [name, q] of sortedEntries(item.min)) errs.push(minConstraint(type, name, q, requests, limits) ?? '');
    for (const [name, q] of sortedEntries(item.max)) errs.push(maxConstraint(type, name, q, requests, limits) ?? '');
    for (const [name, q] of sortedEntries(item.maxLimitRequestRatio)) errs.push(ratioConstraint(type, name, q, requests, limits) ?? '');
  };
  for (const item of itemsOf(limitRange)) {
    if (item.type === 'Container') {
      for (const [, containers] of containerLists(spec)) for (const c of containers) check('Container', item, requestsOf(c), limitsOf(c));
    }
    if (item.type === 'Pod') check('Pod', item, podTotals(spec, requestsOf), podTotals(spec, limitsOf));
  }
  return errs.filter(Boolean);
}

function validateClaim(limitRange: KubeObject, claim: KubeObject): string[] {
  const requests = resourceList((claim.spec as { resources?: { requests?: unknown } } | undefined)?.resources?.requests);
  const errs: string[] = [];
  for (const item of itemsOf(limitRange)) {
    if (item.type !== 'PersistentVolumeClaim') continue;
    for (const [name, q] of sortedEntries(item.min)) errs.push(minConstraint('PersistentVolumeClaim', name, q, requests, new Map()) ?? '');
    for (const [name, q] of sortedEntries(item.max)) errs.push(maxRequestConstraint('PersistentVolumeClaim', name, q, requests) ?? '');
  }
  return errs.filter(Boolean);
}

export function limitRanger(context: PluginContext): AdmissionPlugin {
  const limitRanges = context.informers.informerFor(RESOURCES.limitRanges);
  const now = context.now ?? Date.now;
  const liveLookups = new Map<string, { items: KubeObject[]; expires: number }>();

  /** kube's SupportsAttributes: pods on create and claims on create and update, never a subresource. */
  const supports = (a: AdmissionAttributes) =>
    !a.subresource && !!a.object && ((isKind(a, '', 'Pod') && a.operation !== 'UPDATE') || isKind(a, '', 'PersistentVolumeClaim'));

  async function limitRangesOf(a: AdmissionAttributes): Promise<KubeObject[]> {
    await waitForReady(a, [limitRanges]);
    const namespace = a.resource.namespace;
    const cached = limitRanges.list(namespace);
    if (cached.length) return cached;
    const remembered = liveLookups.get(namespace);
    if (remembered && remembered.expires > now()) return remembered.items;
    const items = await context.api.list(RESOURCES.limitRanges, namespace);
    liveLookups.set(namespace, { items, expires: now() + LIVE_LOOKUP_TTL_MS });
    if (liveLookups.size > 4096) liveLookups.delete(liveLookups.keys().next().value!);
    return items;
  }

  /** An object being deleted is left alone. */
  const deleting = (a: AdmissionAttributes) => !!a.oldObject?.metadata?.deletionTimestamp;

  return {
    name: 'LimitRanger',
    handles: (op) => op === 'CREATE' || op === 'UPDATE',
    async admit(a) {
      if (!supports(a) || deleting(a) || !isKind(a, '', 'Pod')) return undefined;
      const pod = a.object!;
      for (const lr of await limitRangesOf(a)) {
        const notes: string[] = [];
        mutatePod(lr, pod, notes);
        // Each LimitRange that set something writes the annotation, the last one's staying, as in kube.
        if (notes.length) pod.metadata = { ...pod.metadata, annotations: { ...pod.metadata?.annotations, [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}` } };
      }
      return pod;
    },
    async validate(a) {
      if (!supports(a) || deleting(a)) return;
      for (const lr of await limitRangesOf(a)) {
        const errs = isKind(a, '', 'Pod') ? validatePod(lr, a.object!) : validateClaim(lr, a.object!);
        if (errs.length) throw admissionForbidden(a, aggregate(errs));
      }
    },
  };
}
