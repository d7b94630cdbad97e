// metav1.LabelSelector as kinds hold it (a workload's spec.selector, a budget's, a ClusterRole's
// aggregation rule): its validation, string form (LabelSelectorAsSelector then
// String), kubectl's printing of it, matching, and the Go rendering kube-apiserver puts into the
// field errors that carry a selector as their bad value.
import {
  field,
  isLabelValue,
  isQualifiedName,
  parseLabelSelector,
  validateLabels,
  type FieldError,
} from '@kapi/api-machinery';
import { goString, goStringMap, goStringSlice } from './go-syntax.js';

export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key?: string; operator?: string; values?: string[] }[];
}

const list = <T>(value: T[] | null | undefined): T[] => (Array.isArray(value) ? value : []);

/** metav1 ValidateLabelSelector: well-formed keys, values and operators. */
export function validateLabelSelector(selector: LabelSelectorObject, path: string): FieldError[] {
  const errs = validateLabels(selector.matchLabels, `${path}.matchLabels`);
  list(selector.matchExpressions).forEach((req, j) => {
    const at = `${path}.matchExpressions[${j}]`;
    const values = list(req.values);
    switch (req.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(field.required(`${at}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) errs.push(field.forbidden(`${at}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(field.invalid(`${at}.operator`, req.operator ?? '', 'not a valid selector operator'));
    }
    for (const msg of isQualifiedName(req.key ?? '')) errs.push(field.invalid(`${at}.key`, req.key ?? '', msg));
    values.forEach((v, k) => {
      for (const msg of isLabelValue(v)) errs.push(field.invalid(`${at}.values[${k}]`, v, msg));
    });
  });
  return errs;
}

const OPERATORS: Record<string, (key: string, values: string[]) => string> = {
  In: (key, values) => `${key} in (${values.join(',')})`,
  NotIn: (key, values) => `${key} notin (${values.join(',')})`,
  Exists: (key) => key,
  DoesNotExist: (key) => `!${key}`,
};

/** The selector as a label-selector string: one requirement per label and expression, sorted by key. */
export function selectorString(selector: LabelSelectorObject | null | undefined): string {
  if (!selector) return '';
  const requirements: { key: string; text: string }[] = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => ({ key, text: `${key}=${value}` }));
  for (const req of selector.matchExpressions ?? []) {
    const render = OPERATORS[req.operator ?? ''];
    if (render) requirements.push({ key: req.key ?? '', text: render(req.key ?? '', [...(req.values ?? [])].sort()) });
  }
  return requirements
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => r.text)
    .join(',');
}

/** labels.SelectorFromSet(set).String(), for kinds whose selector is a plain map (ReplicationController). */
export function setSelectorString(set: Record<string, string> | null | undefined): string {
  return selectorString({ matchLabels: set ?? {} });
}

/** metav1.FormatLabelSelector: what kubectl prints in a SELECTOR column. */
export function formatLabelSelector(selector: LabelSelectorObject | null | undefined): string {
  return selectorString(selector) || '<none>';
}

export function isEmptySelector(selector: LabelSelectorObject | null | undefined): boolean {
  return Object.keys(selector?.matchLabels ?? {}).length + (selector?.matchExpressions?.length ?? 0) === 0;
}

export function selectorMatches(selector: LabelSelectorObject | null | undefined, labels: Record<string, string> | undefined): boolean {
  return parseLabelSelector(selectorString(selector)).matches(labels);
}

/** A metav1.LabelSelector as Go's %#v prints it. */
export function goLabelSelector(selector: LabelSelectorObject): string {
  const expressions = selector.matchExpressions
    ? `[]v1.LabelSelectorRequirement{${selector.matchExpressions
        .map((r) => {
          const values = goStringSlice(r.values);
          return `v1.LabelSelectorRequirement{Key:${goString(r.key ?? '')}, Operator:${goString(r.operator ?? '')}, Values:${values}}`;
        })
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${goStringMap(selector.matchLabels)}, MatchExpressions:${expressions}}`;
}
