// Small helpers for the tables of kinds whose cells kube computes from spec and status.
import type { KubeObject, TableColumn } from '@kapi/api-machinery';

/** A column definition with its cell; priority 1 columns appear only with `-o wide`. */
export function column(name: string, type: TableColumn['type'], description: string, cell: TableColumn['cell'], priority = 0): TableColumn {
  return { name, type, format: '', description, priority, cell };
}

export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key?: string; operator?: string; values?: string[] }[];
}

/** metav1.FormatLabelSelector: `a=b,c in (d,e)`, `<none>` for a selector that selects everything. */
export function formatLabelSelector(selector: LabelSelectorSpec | null | undefined): string {
  if (!selector) return '<none>';
  const parts = Object.keys(selector.matchLabels ?? {})
    .sort()
    .map((k) => `${k}=${selector.matchLabels![k]}`);
  for (const e of selector.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(',');
    switch (e.operator) {
      case 'In':
        parts.push(`${e.key} in (${values})`);
        break;
      case 'NotIn':
        parts.push(`${e.key} notin (${values})`);
        break;
      case 'Exists':
        parts.push(`${e.key}`);
        break;
      case 'DoesNotExist':
        parts.push(`!${e.key}`);
        break;
      default:
        parts.push(`${e.key} ${e.operator ?? ''} (${values})`);
    }
  }
  return parts.length ? parts.join(',') : '<none>';
}

export interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export function findCondition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return (conditions ?? []).find((c) => c?.type === type);
}

/** The object's spec as a mutable record, created when absent. */
export function specOf<T>(obj: KubeObject): T {
  if (!obj.spec || typeof obj.spec !== 'object') obj.spec = {};
  return obj.spec as T;
}
