// A custom resource's Table columns, as apiextensions' table convertor builds them from a version's
// additionalPrinterColumns: Name first, then each column's JSONPath, its cell typed as the column says
// (a `date` is shown as an age); a version without columns gets Age from creationTimestamp.
import { ageColumn, ageOf, nameColumn, type KubeObject, type TableColumn, type TableColumnDefinition } from '@kapi/api-machinery';
import { evaluateJsonPath, parseJsonPath } from './json-path.js';

export interface PrinterColumn {
  name?: string;
  type?: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath?: string;
}

/** What `fmt.Fprint` writes for a JSON value, as client-go's jsonpath prints a string column's value. */
function goPrint(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(goPrint).join(' ')}]`;
  if (typeof value === 'object' && value !== null) {
    const obj = value as Record<string, unknown>;
    return `map[${Object.keys(obj)
      .sort()
      .map((k) => `${k}:${goPrint(obj[k])}`)
      .join(' ')}]`;
  }
  return String(value);
}

/** kube's cellForJSONValue: the value as the column's type, or null when it is not of that type. */
function typedCell(type: string, value: unknown, now: number): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date':
      if (typeof value !== 'string') return null;
      return Number.isNaN(Date.parse(value)) ? '<invalid>' : ageOf(value, now);
    default:
      return null;
  }
}

function column(def: PrinterColumn): TableColumn {
  const steps = parseJsonPath(def.jsonPath ?? '');
  const type = (def.type ?? 'string') as TableColumnDefinition['type'];
  return {
    name: def.name ?? '',
    type,
    format: def.format ?? '',
    description: def.description ?? '',
    priority: def.priority ?? 0,
    cell: (obj: KubeObject, now: number) => {
      const results = steps ? evaluateJsonPath(steps, obj) : [];
      if (!results.length) return null;
      return type === 'string' ? goPrint(results[0]) : typedCell(type, results[0], now);
    },
  };
}

/** The Table columns of a version: Name, then its printer columns (or Age when it declares none). */
export function printerColumns(columns: readonly PrinterColumn[] | undefined): TableColumn[] {
  if (!columns?.length) return [nameColumn, { ...ageColumn, type: 'date' }];
  return [nameColumn, ...columns.map(column)];
}
