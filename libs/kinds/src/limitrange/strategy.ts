// core/v1 LimitRange: per-namespace bounds and defaults for the resources of pods, containers and
// claims. Container items get kube's defaults (default ← max, defaultRequest ← default ← min); kube
// has no printer for the kind, so tables are the generic NAME / CREATED AT.
import { field, isDns1123Subdomain, isQualifiedName, nameColumn, type FieldError, type KubeObject, type TableColumn } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';
import { compareQuantities, formatQuantity, normalizeResourceList, scaledValue, type Quantity } from '../resourcequota/quantity.js';
import { isOvercommitAllowed, quantityAt, validateContainerResourceName, validateResourceName } from '../resourcequota/resource-names.js';

const LIMIT_TYPES = ['Pod', 'Container', 'PersistentVolumeClaim'];
const LISTS = ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const;
type ListName = (typeof LISTS)[number];

export type LimitRangeItem = { type?: string } & Partial<Record<ListName, Record<string, string>>>;

const limits = (obj: KubeObject) => ((obj.spec ?? {}) as { limits?: LimitRangeItem[] }).limits ?? [];

/** kube's generic table for kinds without a printer of their own. */
export const createdAtColumn: TableColumn = {
  name: 'Created At',
  type: 'date',
  format: '',
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
  priority: 0,
  cell: (obj) => obj.metadata?.creationTimestamp ?? null,
};

/** SetDefaults_LimitRangeItem: a container's default limit is its max, its default request its default, then its min. */
function applyDefaults(item: LimitRangeItem): void {
  if (item.type !== 'Container') return;
  const def = { ...item.default };
  const defReq = { ...item.defaultRequest };
  for (const [k, v] of Object.entries(item.max ?? {})) if (!(k in def)) def[k] = v;
  for (const [k, v] of Object.entries(def)) if (!(k in defReq)) defReq[k] = v;
  for (const [k, v] of Object.entries(item.min ?? {})) if (!(k in defReq)) defReq[k] = v;
  if (Object.keys(def).length) item.default = def;
  if (Object.keys(defReq).length) item.defaultRequest = defReq;
}

function normalize(obj: KubeObject): void {
  for (const item of limits(obj)) {
    if (!item || typeof item !== 'object') continue;
    for (const list of LISTS) {
      const normalized = normalizeResourceList(item[list], 'LimitRange');
      if (normalized) item[list] = normalized;
    }
    applyDefaults(item);
  }
}

function validateTypeName(type: string, path: string): FieldError[] {
  const errs = isQualifiedName(type).map((msg) => field.invalid(path, type, msg));
  if (errs.length) return errs;
  if (!type.includes('/') && !LIMIT_TYPES.includes(type)) errs.push(field.invalid(path, type, 'must be a standard limit type or fully qualified'));
  return errs;
}

function validateItemResourceName(type: string | undefined, name: string, path: string): FieldError[] {
  return type === 'Pod' || type === 'Container' ? validateContainerResourceName(name, path) : validateResourceName(name, path);
}

/** Go's %f: six decimals, and +Inf for a division by zero. */
const goFloat = (n: number) => (Number.isFinite(n) ? n.toFixed(6) : n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN');

const MAX_MILLI_VALUE = (2n ** 63n - 1n) / 1000n;

function validateItem(item: LimitRangeItem, i: number, seenTypes: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  const at = `spec.limits[${i}]`;
  const type = item.type ?? '';
  errs.push(...validateTypeName(type, `${at}.type`));
  if (seenTypes.has(type)) errs.push(field.duplicate(`${at}.type`, type));
  seenTypes.add(type);

  const values: Record<ListName, Map<string, Quantity>> = { max: new Map(), min: new Map(), default: new Map(), defaultRequest: new Map(), maxLimitRequestRatio: new Map() };
  const read = (list: ListName) => {
    for (const [name, raw] of Object.entries(item[list] ?? {})) {
      const path = `${at}.${list}[${name}]`;
      errs.push(...validateItemResourceName(item.type, name, path));
      const q = quantityAt(raw, path, errs);
      if (q) values[list].set(name, q);
    }
  };
  read('max');
  read('min');
  if (type === 'Pod') {
    if (Object.keys(item.default ?? {}).length) errs.push(field.forbidden(`${at}.default`, "may not be specified when `type` is 'Pod'"));
    if (Object.keys(item.defaultRequest ?? {}).length) errs.push(field.forbidden(`${at}.defaultRequest`, "may not be specified when `type` is 'Pod'"));
  } else {
    read('default');
    read('defaultRequest');
  }
  if (type === 'PersistentVolumeClaim' && !('storage' in (item.min ?? {})) && !('storage' in (item.max ?? {}))) {
    errs.push(field.required(`${at}.limits`, 'either minimum or maximum storage value is required, but neither was provided'));
  }
  read('maxLimitRequestRatio');

  const keys = new Set(LISTS.flatMap((l) => [...values[l].keys()]));
  for (const k of [...keys].sort()) {
    const min = values.min.get(k);
    const max = values.max.get(k);
    const def = values.default.get(k);
    const defReq = values.defaultRequest.get(k);
    const ratio = values.maxLimitRequestRatio.get(k);
    const s = formatQuantity;
    if (min && max && compareQuantities(min, max) > 0) {
      errs.push(field.invalid(`${at}.min[${k}]`, s(min), `min value ${s(min)} is greater than max value ${s(max)}`));
    }
    if (defReq && min && compareQuantities(min, defReq) > 0) {
      errs.push(field.invalid(`${at}.defaultRequest[${k}]`, s(defReq), `min value ${s(min)} is greater than default request value ${s(defReq)}`));
    }
    if (defReq && max && compareQuantities(defReq, max) > 0) {
      errs.push(field.invalid(`${at}.defaultRequest[${k}]`, s(defReq), `default request value ${s(defReq)} is greater than max value ${s(max)}`));
    }
    if (defReq && def && compareQuantities(defReq, def) > 0) {
      errs.push(field.invalid(`${at}.defaultRequest[${k}]`, s(defReq), `default request value ${s(defReq)} is greater than default limit value ${s(def)}`));
    }
    if (def && min && compareQuantities(min, def) > 0) {
      errs.push(field.invalid(`${at}.default[${k}]`, s(min), `min value ${s(min)} is greater than default value ${s(def)}`));
    }
    if (def && max && compareQuantities(def, max) > 0) {
      errs.push(field.invalid(`${at}.default[${k}]`, s(max), `default value ${s(def)} is greater than max value ${s(max)}`));
    }
    if (ratio && compareQuantities(ratio, { value: 1n, scale: 0, format: 'DecimalSI' }) < 0) {
      errs.push(field.invalid(`${at}.maxLimitRequestRatio[${k}]`, s(ratio), `ratio ${s(ratio)} is less than 1`));
    }
    if (ratio && min && max) {
      let ratioValue = Number(scaledValue(ratio, 0));
      let minValue = Number(scaledValue(min, 0));
      let maxValue = Number(scaledValue(max, 0));
      if (scaledValue(ratio, 0) < MAX_MILLI_VALUE && scaledValue(min, 0) < MAX_MILLI_VALUE && scaledValue(max, 0) < MAX_MILLI_VALUE) {
        ratioValue = Number(scaledValue(ratio, -3)) / 1000;
        minValue = Number(scaledValue(min, -3));
        maxValue = Number(scaledValue(max, -3));
      }
      const limit = maxValue / minValue;
      if (ratioValue > limit) {
        errs.push(field.invalid(`${at}.maxLimitRequestRatio[${k}]`, s(ratio), `ratio ${s(ratio)} is greater than max/min = ${goFloat(limit)}`));
      }
    }
    // Resources that cannot overcommit (hugepages, extended resources) need default == defaultRequest.
    if (!isOvercommitAllowed(k) && def && defReq && compareQuantities(def, defReq) !== 0) {
      errs.push(field.invalid(`${at}.defaultRequest[${k}]`, s(defReq), `default value ${s(def)} must equal to defaultRequest value ${s(defReq)} in ${k}`));
    }
  }
  return errs;
}

export const limitRangeStrategy = defineStrategy(
  {
    group: '',
    version: 'v1',
    resource: 'limitranges',
    kind: 'LimitRange',
    namespaced: true,
    shortNames: ['limits'],
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [nameColumn, createdAtColumn],
    defaults: normalize,
    validate(obj) {
      const seen = new Set<string>();
      return limits(obj).flatMap((item, i) => validateItem(item ?? {}, i, seen));
    },
  },
);
