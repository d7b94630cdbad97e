// meta.k8s.io/v1 Table, the server-side printing kubectl asks for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`.
import { ageOf } from './duration.js';
import type { KubeObject, ListMeta } from './object.js';

export interface TableColumnDefinition {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  priority: number;
}

export interface TableRow {
  cells: unknown[];
  object?: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: ListMeta;
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

/** A column of a kind's table: its definition and how to compute its cell. */
export interface TableColumn extends TableColumnDefinition {
  cell(obj: KubeObject, now: number): unknown;
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export const nameColumn: TableColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description:
    'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  priority: 0,
  cell: (obj) => obj.metadata?.name ?? '',
};

export const ageColumn: TableColumn = {
  name: 'Age',
  type: 'string',
  format: '',
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
  priority: 0,
  cell: (obj, now) => ageOf(obj.metadata?.creationTimestamp, now),
};

/** What a kind without columns of its own shows. */
export const defaultColumns: TableColumn[] = [nameColumn, ageColumn];

function rowObject(obj: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

export function buildTable(
  objects: KubeObject[],
  columns: TableColumn[],
  options: { include: IncludeObject; listMeta?: ListMeta; withColumnDefinitions?: boolean; now?: number },
): Table {
  const now = options.now ?? Date.now();
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: options.listMeta ?? {},
    columnDefinitions:
      options.withColumnDefinitions === false
        ? []
        : columns.map(({ name, type, format, description, priority }) => ({ name, type, format, description, priority })),
    rows: objects.map((obj) => {
      const row: TableRow = { cells: columns.map((c) => c.cell(obj, now)) };
      const object = rowObject(obj, options.include);
      if (object !== undefined) row.object = object;
      return row;
    }),
  };
}
