import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ageColumn, buildTable, defaultColumns, nameColumn, type TableColumn } from './table.js';
import type { KubeObject } from './object.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');

const obj = (name: string, created: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', creationTimestamp: created, resourceVersion: '7' },
  ...extra,
});

const dataColumn: TableColumn = {
  name: 'Data',
  type: 'integer',
  format: '',
  description: 'number of keys',
  priority: 0,
  cell: (o) => Object.keys((o.data as object | undefined) ?? {}).length,
};

describe('default columns', () => {
  it('are Name and Age, with the definitions kube publishes', () => {
    assert.deepEqual(defaultColumns, [nameColumn, ageColumn]);
    assert.equal(nameColumn.name, 'Name');
    assert.equal(nameColumn.type, 'string');
    assert.equal(nameColumn.format, 'name');
    assert.equal(nameColumn.priority, 0);
    assert.match(nameColumn.description, /^Name must be unique within a namespace\./);
    assert.equal(ageColumn.name, 'Age');
    assert.equal(ageColumn.type, 'string');
    assert.equal(ageColumn.format, '');
    assert.match(ageColumn.description, /^CreationTimestamp is a timestamp/);
  });

  it('compute the name and the age of an object', () => {
    const o = obj('web', '2024-05-01T11:57:30Z');
    assert.equal(nameColumn.cell(o, NOW), 'web');
    assert.equal(ageColumn.cell(o, NOW), '2m30s');
    assert.equal(nameColumn.cell({}, NOW), '');
    assert.equal(ageColumn.cell({ metadata: {} }, NOW), '<unknown>');
  });
});

describe('buildTable', () => {
  const objects = [obj('a', '2024-05-01T11:59:00Z', { data: { k: 'v' } }), obj('b', '2024-04-28T12:00:00Z')];
  const columns = [nameColumn, dataColumn, ageColumn];

  it('builds a meta.k8s.io/v1 Table with one row per object', () => {
    const table = buildTable(objects, columns, { include: 'None', now: NOW, listMeta: { resourceVersion: '42' } });
    assert.equal(table.kind, 'Table');
    assert.equal(table.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(table.metadata, { resourceVersion: '42' });
    assert.deepEqual(
      table.rows.map((r) => r.cells),
      [
        ['a', 1, '60s'],
        ['b', 0, '3d'],
      ],
    );
  });

  it('lists column definitions without the cell functions', () => {
    const table = buildTable(objects, columns, { include: 'None', now: NOW });
    assert.deepEqual(table.columnDefinitions[1], { name: 'Data', type: 'integer', format: '', description: 'number of keys', priority: 0 });
    assert.deepEqual(
      table.columnDefinitions.map((c) => c.name),
      ['Name', 'Data', 'Age'],
    );
    for (const def of table.columnDefinitions) assert.equal('cell' in def, false);
    // The definitions survive JSON as they are.
    assert.deepEqual(JSON.parse(JSON.stringify(table.columnDefinitions)), table.columnDefinitions);
  });

  it('leaves column definitions out when asked (later watch events)', () => {
    const table = buildTable(objects, columns, { include: 'None', now: NOW, withColumnDefinitions: false });
    assert.deepEqual(table.columnDefinitions, []);
    assert.equal(table.rows.length, 2);
  });

  it('defaults to empty list metadata', () => {
    assert.deepEqual(buildTable([], columns, { include: 'None', now: NOW }).metadata, {});
    assert.deepEqual(buildTable([], columns, { include: 'None', now: NOW }).rows, []);
  });

  it('includeObject=None leaves rows without an object', () => {
    const table = buildTable(objects, columns, { include: 'None', now: NOW });
    for (const row of table.rows) assert.equal('object' in row, false);
  });

  it('includeObject=Metadata embeds a PartialObjectMetadata', () => {
    const table = buildTable(objects, columns, { include: 'Metadata', now: NOW });
    assert.deepEqual(table.rows[0].object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: objects[0].metadata });
  });

  it('includeObject=Object embeds the whole object', () => {
    const table = buildTable(objects, columns, { include: 'Object', now: NOW });
    assert.deepEqual(table.rows[0].object, objects[0]);
  });

  it('uses the current time when none is given', () => {
    const created = new Date(Date.now() - (3 * 24 + 1) * 3600_000).toISOString();
    const table = buildTable([obj('old', created)], [ageColumn], { include: 'None' });
    assert.equal(table.rows[0].cells[0], '3d1h');
  });
});
