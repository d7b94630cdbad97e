// The shared table of custom resource and CRD cases (testdata/kube-crd-table.json): each case's
// expected answer was given by kube-apiserver itself (see `reference` and
// scripts/probe-reference.mjs). Each object case goes through this library as kube's handler and
// strategy run it — decode (prune, report unknown fields), default, then validate — and must come
// out with kube's status code, message, causes, warnings and object; each CRD case with kube's
// errors for the schema. kube lists several errors in a random order, so they compare as a set.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderError } from './field-errors.js';
import type { JSONSchemaProps } from './json-schema-props.js';
import { CustomResourceSchema } from './custom-resource.js';
import { unrecognizedFormatWarnings, validateCustomResourceDefinitionSchemas } from './crd-validation.js';
import type { FieldError } from '@kapi/api-machinery';

interface CrdDef {
  kind: string;
  scope?: string;
  schema?: JSONSchemaProps;
  subresources?: { status?: unknown; scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string } };
  versions?: { name: string; served: boolean; storage: boolean; schema?: { openAPIV3Schema?: JSONSchemaProps }; subresources?: CrdDef['subresources'] }[];
}

interface Expect {
  code: number;
  message?: string;
  causes?: { reason?: string; message?: string; field?: string }[];
  warnings?: string[];
  object?: Record<string, unknown>;
}

interface Case {
  name: string;
  kind?: 'crd';
  crd: string | CrdDef;
  op?: 'create' | 'update' | 'status';
  object?: Record<string, unknown>;
  old?: Record<string, unknown>;
  oldStatus?: unknown;
  oldSchema?: string;
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
  expect: Expect;
  reference: string;
}

const table = JSON.parse(readFileSync(join(__dirname, '..', 'src', 'testdata', 'kube-crd-table.json'), 'utf8')) as {
  group: string;
  namespace: string;
  crds: Record<string, CrdDef>;
  alternateCrds: Record<string, CrdDef>;
  cases: Case[];
};

function expand(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(expand);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('$repeat' in o) return String(o.$repeat).repeat(o.times as number) + ((o.then as string | undefined) ?? '');
    if ('$array' in o) return Array.from({ length: o.times as number }, () => expand(o.$array));
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, expand(x)]));
  }
  return v;
}

const SERVER_META = ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields'];
type Obj = Record<string, unknown>;
const metaOf = (o: Obj) => o.metadata as Obj;

function schemaFor(def: CrdDef): CustomResourceSchema {
  return new CustomResourceSchema({
    kind: { group: table.group, version: 'v1', kind: def.kind, namespaced: def.scope !== 'Cluster' },
    schema: def.schema,
    scale: def.subresources?.scale,
  });
}

class Answer extends Error {
  constructor(readonly expect: Expect) {
    super('answer');
  }
}

/** What kube's create handler does with a request body, up to the object it would store. */
function decodeRequest(schema: CustomResourceSchema, def: CrdDef, raw: unknown, fieldValidation: string | undefined, warnings: string[]): Obj {
  const obj = { apiVersion: `${table.group}/v1`, kind: def.kind, ...(expand(raw) as Obj) };
  const decoded = schema.decode(obj);
  const prefix = `${def.kind} in version "v1" cannot be handled as a ${def.kind}: `;
  if (decoded.error) throw new Answer({ code: 400, message: `${prefix}${decoded.error}` });
  const unknown = decoded.unknownFieldPaths.map((p) => `unknown field "${p}"`);
  if (unknown.length && fieldValidation === 'Strict') throw new Answer({ code: 400, message: `${prefix}strict decoding error: ${unknown.join(', ')}` });
  if (fieldValidation !== 'Ignore') warnings.push(...unknown);
  schema.applyDefaults(obj);
  if (def.scope !== 'Cluster') metaOf(obj).namespace = table.namespace;
  return obj;
}

function invalidAnswer(schema: CustomResourceSchema, obj: Obj, errors: FieldError[], warnings: string[]): never {
  const status = schema.invalid(obj, errors).toStatus();
  throw new Answer({ code: 422, message: status.message, causes: status.details?.causes, ...(warnings.length ? { warnings } : {}) });
}

function serve(c: Case): Expect {
  const def = table.crds[c.crd as string];
  const schema = schemaFor(def);
  const statusEnabled = def.subresources?.status !== undefined;
  const warnings: string[] = [];
  try {
    if (!c.op || c.op === 'create') {
      const obj = decodeRequest(schema, def, c.object, c.fieldValidation, warnings);
      if (statusEnabled) delete obj.status;
      const errors = schema.validate(obj);
      if (errors.length) invalidAnswer(schema, obj, errors, warnings);
      // The strategy's warnings come once validation passed (rest.BeforeCreate).
      warnings.push(...schema.warnings(obj));
      return { code: 201, ...(warnings.length ? { warnings } : {}), object: stripServerMeta(obj) };
    }
    // The old object as it was created, under the schema of its time.
    const oldSchema = c.oldSchema ? schemaFor(table.alternateCrds[c.oldSchema]) : schema;
    const old = decodeRequest(oldSchema, def, c.old, undefined, []);
    if (statusEnabled) delete old.status;
    if (c.oldStatus !== undefined) old.status = c.oldStatus;
    Object.assign(metaOf(old), { uid: 'u-1', resourceVersion: '1', generation: 1, creationTimestamp: '2024-01-01T00:00:00Z' });
    const sent = { ...(c.object as Obj), metadata: { ...metaOf(c.object as Obj), name: metaOf(old).name, resourceVersion: '1' } };
    let obj = decodeRequest(schema, def, sent, c.fieldValidation, warnings);
    Object.assign(metaOf(obj), { uid: 'u-1', creationTimestamp: '2024-01-01T00:00:00Z', generation: 1 });
    if (c.op === 'status') {
      obj = { ...structuredClone(old), ...(Object.hasOwn(obj, 'status') ? { status: obj.status } : {}) };
      if (!Object.hasOwn(sent, 'status')) delete obj.status;
    } else if (statusEnabled) {
      if (Object.hasOwn(old, 'status')) obj.status = old.status;
      else delete obj.status;
    }
    const result = c.op === 'status' ? schema.validateStatusUpdate(obj, old) : schema.validateUpdate(obj, old);
    warnings.push(...result.warnings);
    if (result.errors.length) invalidAnswer(schema, obj, result.errors, warnings);
    if (c.op !== 'status') warnings.push(...schema.warnings(obj, old));
    return { code: 200, ...(warnings.length ? { warnings } : {}), object: stripServerMeta(obj) };
  } catch (e) {
    if (e instanceof Answer) return e.expect;
    throw e;
  }
}

function stripServerMeta(obj: Obj): Obj {
  const out = structuredClone(obj);
  for (const k of SERVER_META) delete metaOf(out)[k];
  return out;
}

function crdAnswer(c: Case): Expect {
  const def = c.crd as CrdDef;
  const versions = def.versions ?? [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: def.schema }, ...(def.subresources ? { subresources: def.subresources } : {}) }];
  const spec = { versions };
  const errors = validateCustomResourceDefinitionSchemas(spec);
  const warnings = unrecognizedFormatWarnings(spec);
  if (!errors.length) return { code: 201, ...(warnings.length ? { warnings } : {}) };
  const rendered = [...new Set(errors.map(renderError))];
  const name = `${(def.kind ?? 'Probe').toLowerCase()}s.${table.group}`;
  return {
    code: 422,
    message: `CustomResourceDefinition.apiextensions.k8s.io "${name}" is invalid: ${rendered.length === 1 ? rendered[0] : `[${rendered.join(', ')}]`}`,
    causes: errors.map((e) => ({ reason: e.type, message: e.detail, field: e.field })),
    ...(warnings.length ? { warnings } : {}),
  };
}

const causeKey = (c: { reason?: string; message?: string; field?: string }) => `${c.field}|${c.reason}|${c.message}`;

/** The parts of a `[a, b]` message: compared as a set, since kube's order is random. */
function assertSameAnswer(got: Expect, want: Expect): void {
  assert.equal(got.code, want.code, `code: ${got.message ?? ''}`);
  if (want.causes) {
    assert.deepEqual((got.causes ?? []).map(causeKey).sort(), want.causes.map(causeKey).sort());
    if (want.causes.length <= 1) assert.equal(got.message, want.message);
    else {
      const distinct = [...new Set(want.causes.map((c) => `${c.field}: ${c.message}`))];
      const prefix = want.message!.slice(0, want.message!.indexOf(': [') + 2);
      assert.ok(got.message!.startsWith(prefix), `message prefix: ${got.message}`);
      assert.equal(got.message!.length, want.message!.length, `message: ${got.message}\nwant ${want.message}`);
      for (const part of distinct) assert.ok(got.message!.includes(part), `message lacks ${part}`);
    }
  } else assert.equal(got.message, want.message);
  assert.deepEqual(got.warnings ?? [], want.warnings ?? []);
  if (want.object) assert.deepEqual(got.object, want.object);
}

describe('custom resources and CRDs as kube-apiserver answers them (testdata/kube-crd-table.json)', () => {
  for (const c of table.cases) {
    it(c.name, () => {
      assert.match(c.reference ?? '', /kube-apiserver v1\.34/);
      assertSameAnswer(c.kind === 'crd' ? crdAnswer(c) : serve(c), c.expect);
    });
  }
});
