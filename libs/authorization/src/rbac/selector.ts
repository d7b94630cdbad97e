// metav1.LabelSelector in its object form, as aggregation rules hold it: matchLabels and
// matchExpressions are ANDed, and an empty selector selects everything.
import type { LabelSelectorObject } from './types.js';

/** Whether `labels` match; a selector kube would refuse (an unknown operator) matches nothing. */
export function selectorMatches(selector: LabelSelectorObject, labels: Record<string, string> | undefined): boolean {
  const have = labels ?? {};
  const has = (key: string) => Object.prototype.hasOwnProperty.call(have, key);
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!has(key) || have[key] !== value) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (!has(req.key) || !values.includes(have[req.key])) return false;
        break;
      case 'NotIn':
        if (has(req.key) && values.includes(have[req.key])) return false;
        break;
      case 'Exists':
        if (!has(req.key)) return false;
        break;
      case 'DoesNotExist':
        if (has(req.key)) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
