// policy/v1 PodDisruptionBudget: how many of the selected pods must stay (minAvailable) or may go
// (maxUnavailable), one of the two. The eviction subresource of pods reads its status; without a
// disruption controller that status stays as created until someone writes it.
import { ageColumn, field, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import {  validateLabelSelector, type LabelSelectorObject } from '../label-selector.js';
import { defineStrategy } from '../strategy.js';

export interface PodDisruptionBudgetSpec {
  minAvailable?: number | string;
  maxUnavailable?: number | string;
  selector?: LabelSelectorObject | null;
  unhealthyPodEvictionPolicy?: string;
}

export interface PodDisruptionBudgetStatus {
  observedGeneration?: number;
  disruptionsAllowed?: number;
  currentHealthy?: number;
  desiredHealthy?: number;
  expectedPods?: number;
  disruptedPods?: Record<string, string>;
  conditions?: { type?: string; status?: string; reason?: string; message?: string; observedGeneration?: number; lastTransitionTime?: string }[];
}

export const pdbSpec = (obj: KubeObject) => (obj.spec ?? {}) as PodDisruptionBudgetSpec;
export const pdbStatus = (obj: KubeObject) => (obj.status ?? {}) as PodDisruptionBudgetStatus;

const EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];

/** ValidatePositiveIntOrPercent and IsNotMoreThan100Percent. */
function validateIntOrPercent(value: number | string | undefined, path: string): FieldError[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'number') return value < 0 ? [field.invalid(path, value, 'must be greater than or equal to 0')] : [];
  if (!/^[0-9]+%$/.test(value)) {
    return [field.invalid(path, value, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
  }
  return Number(value.slice(0, -1)) > 100 ? [field.invalid(path, value, 'must not be greater than 100%')] : [];
}

/** Go's %#v of the spec, which kube prints when both bounds are set. */
const goSpec = (spec: PodDisruptionBudgetSpec) => JSON.stringify(spec);

function validateSpec(spec: PodDisruptionBudgetSpec): FieldError[] {
  const errs: FieldError[] = [];
  if (spec.minAvailable !== undefined && spec.minAvailable !== null && spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
    errs.push(field.invalid('spec', goSpec(spec), 'minAvailable and maxUnavailable cannot be both set'));
  }
  errs.push(...validateIntOrPercent(spec.minAvailable, 'spec.minAvailable'));
  errs.push(...validateIntOrPercent(spec.maxUnavailable, 'spec.maxUnavailable'));
  if (spec.selector) errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (policy !== undefined && !EVICTION_POLICIES.includes(policy)) errs.push(field.notSupported('spec.unhealthyPodEvictionPolicy', policy, EVICTION_POLICIES));
  return errs;
}

const STATUS_COUNTERS = ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods'] as const;

/** ValidatePodDisruptionBudgetStatusUpdate for policy/v1: no counter is negative. */
function validateStatus(obj: KubeObject): FieldError[] {
  const status = pdbStatus(obj);
  return STATUS_COUNTERS.filter((k) => (status[k] ?? 0) < 0).map((k) => field.invalid(`status.${k}`, status[k], 'must be greater than or equal to 0'));
}

const bound = (v: number | string | undefined) => (v === undefined || v === null ? 'N/A' : String(v));

export const podDisruptionBudgetStrategy = defineStrategy(
  {
    group: 'policy',
    version: 'v1',
    resource: 'poddisruptionbudgets',
    kind: 'PodDisruptionBudget',
    namespaced: true,
    shortNames: ['pdb'],
    subresources: ['status'],
    tracksGeneration: true,
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      { name: 'Min Available', type: 'string', format: '', description: 'The minimum number of pods that must be available.', priority: 0, cell: (o) => bound(pdbSpec(o).minAvailable) },
      { name: 'Max Unavailable', type: 'string', format: '', description: 'The maximum number of pods that may be unavailable.', priority: 0, cell: (o) => bound(pdbSpec(o).maxUnavailable) },
      { name: 'Allowed Disruptions', type: 'integer', format: '', description: 'Calculated number of pods that may be disrupted at this time.', priority: 0, cell: (o) => pdbStatus(o).disruptionsAllowed ?? 0 },
      ageColumn,
    ],
    prepareForCreate(obj) {
      obj.status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
    },
    validate: (obj) => validateSpec(pdbSpec(obj)),
    subresourceUpdates: {
      status: {
        prepareForUpdate: (obj, old) => ({ ...old, status: obj.status, metadata: old.metadata }),
        validateUpdate: validateStatus,
      },
    },
  },
);
