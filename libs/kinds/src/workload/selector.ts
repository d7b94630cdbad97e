// metav1.LabelSelector as workloads hold it (spec.selector): its string form (LabelSelectorAsSelector
// then String), kubectl's printing of it, matching, and the Go rendering kube-apiserver puts into
// the field errors that carry a selector or a label map as their bad value.
import { parseLabelSelector } from '@kapi/api-machinery';
import type { LabelSelectorObject } from '../rbac/validation.js';

export type { LabelSelectorObject };

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

const goString = (s: string) => JSON.stringify(s);

/** A map[string]string as Go's %#v prints it: keys sorted, `map[string]string(nil)` when absent. */
export function goStringMap(map: Record<string, string> | null | undefined): string {
  if (!map) return 'map[string]string(nil)';
  const entries = Object.keys(map)
    .sort()
    .map((k) => `${goString(k)}:${goString(map[k])}`);
  return `map[string]string{${entries.join(', ')}}`;
}

/** A metav1.LabelSelector as Go's %#v prints it. */
export function goLabelSelector(selector: LabelSelectorObject): string {
  const expressions = selector.matchExpressions
    ? `[]v1.LabelSelectorRequirement{${selector.matchExpressions
        .map((r) => {
          const values = r.values ? `[]string{${r.values.map(goString).join(', ')}}` : '[]string(nil)';
          return `v1.LabelSelectorRequirement{Key:${goString(r.key ?? '')}, Operator:${goString(r.operator ?? '')}, Values:${values}}`;
        })
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${goStringMap(selector.matchLabels)}, MatchExpressions:${expressions}}`;
}
