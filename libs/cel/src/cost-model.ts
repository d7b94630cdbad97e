// The numbers of cel-go's cost model (common/cost.go) and Kubernetes' limits (k8s.io/apiserver
// pkg/apis/cel/config.go), and the saturating min/max arithmetic the estimator uses.

/** Cost of selecting a field or resolving an identifier. */
export const SELECT_AND_IDENT_COST = 1;
/** Cost of a constant. */
export const CONST_COST = 0;
export const LIST_CREATE_BASE_COST = 10;
export const MAP_CREATE_BASE_COST = 30;
export const STRUCT_CREATE_BASE_COST = 40;
/** Per character of a string traversed. */
export const STRING_TRAVERSAL_COST_FACTOR = 0.1;
/** Per character of a regular expression (a guess of one RE2 instruction per four characters). */
export const REGEX_STRING_LENGTH_COST_FACTOR = 0.25;

/** Kubernetes' limit on one expression's runtime cost (PerCallLimit). */
export const PER_CALL_LIMIT = 1_000_000;
/** The runtime budget of one validation of a CustomResource (RuntimeCELCostBudget). */
export const RUNTIME_CEL_COST_BUDGET = 10_000_000;
/** The estimated cost all of a CRD's rules may add up to (StaticEstimatedCRDCostLimit). */
export const STATIC_ESTIMATED_CRD_COST_LIMIT = 100_000_000;
/** The longest message a messageExpression may produce (MaxEvaluatedMessageExpressionSizeBytes). */
export const MAX_EVALUATED_MESSAGE_EXPRESSION_SIZE_BYTES = 5 * 1024;
/** Kubernetes' bound on a request body, from which unbounded sizes are estimated (3 MiB). */
export const MAX_REQUEST_SIZE_BYTES = 3 * 1024 * 1024;

/** "Unknown" for sizes and costs: cel-go's math.MaxUint64. */
export const UNBOUNDED = 18446744073709551615;

export interface SizeEstimate {
  min: number;
  max: number;
}
export type CostEstimate = SizeEstimate;

export const fixed = (n: number): CostEstimate => ({ min: n, max: n });
export const ZERO: CostEstimate = fixed(0);
export const UNKNOWN_SIZE: SizeEstimate = { min: 0, max: UNBOUNDED };

export function addSat(a: number, b: number): number {
  const s = a + b;
  return s >= UNBOUNDED ? UNBOUNDED : s;
}

export function mulSat(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  const p = a * b;
  return p >= UNBOUNDED ? UNBOUNDED : p;
}

export const add = (a: CostEstimate, b: CostEstimate): CostEstimate => ({ min: addSat(a.min, b.min), max: addSat(a.max, b.max) });
export const multiply = (a: CostEstimate, b: CostEstimate): CostEstimate => ({ min: mulSat(a.min, b.min), max: mulSat(a.max, b.max) });

/** cel-go's MultiplyByCostFactor: ceil(size * factor), saturating. */
export function byFactor(s: SizeEstimate, factor: number): CostEstimate {
  const f = (n: number) => (n >= UNBOUNDED ? UNBOUNDED : Math.min(UNBOUNDED, Math.ceil(n * factor)));
  return { min: f(s.min), max: f(s.max) };
}

export const union = (a: CostEstimate, b: CostEstimate): CostEstimate => ({ min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) });

/** ceil(n * factor) of an actual size. */
export const actualByFactor = (n: number, factor: number): number => Math.ceil(n * factor);

/** Go's %f: six decimals. */
const goFixed = (n: number, digits: number) => n.toFixed(digits);

/**
 * kube's message for an expression whose estimated cost is past a limit (apiextensions
 * validation's getCostErrorMessage), e.g. `estimated rule cost exceeds budget by factor of 2.5x
 * (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps,
 * and strings are declared)`; undefined when within the limit. For a CRD rule: the name
 * `estimated rule cost` and PER_CALL_LIMIT; for all rules of a schema together:
 * `x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema` and
 * STATIC_ESTIMATED_CRD_COST_LIMIT.
 */
export function estimatedCostError(costName: string, estimate: CostEstimate, limit: number): string | undefined {
  if (estimate.max <= limit) return undefined;
  const exceed = estimate.max / limit;
  const factor = exceed > 100 ? 'more than 100x' : exceed < 1.5 ? `${goFixed(exceed, 6)}x` : `${goFixed(exceed, 1)}x`;
  return `${costName} exceeds budget by factor of ${factor} (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)`;
}
