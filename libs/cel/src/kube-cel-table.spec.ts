// The shared table of Kubernetes' CEL expressions (testdata/kube-cel-table.json): every case's
// expected result was answered by kube-apiserver itself (see each case's `reference` and
// scripts/probe-reference.mjs). kapi's CEL must agree with every one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { admissionActivation, admissionEnvironment } from './admission.js';
import { CelError, displayValue, equals, typeName, type Value } from './values.js';

interface Case {
  expr: string;
  value?: string;
  error?: string;
  compileError?: string;
  reference?: string;
}

const table = JSON.parse(readFileSync(join(__dirname, '..', 'src', 'testdata', 'kube-cel-table.json'), 'utf8')) as { cases: Case[] };
const env = admissionEnvironment({ hasAuthorizer: false });
const vars = admissionActivation({
  object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'probe', namespace: 'kapi-cel-probe', labels: { app: 'probe' } }, data: { a: '1', b: 'two' } },
  request: {
    kind: { group: '', version: 'v1', kind: 'ConfigMap' },
    resource: { group: '', version: 'v1', resource: 'configmaps' },
    requestKind: { group: '', version: 'v1', kind: 'ConfigMap' },
    requestResource: { group: '', version: 'v1', resource: 'configmaps' },
    name: 'probe',
    namespace: 'kapi-cel-probe',
    operation: 'CREATE',
    userInfo: { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] },
    dryRun: true,
  },
  namespaceObject: { metadata: { name: 'kapi-cel-probe', labels: { 'kapi-cel-probe': 'true', 'kubernetes.io/metadata.name': 'kapi-cel-probe' } }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } },
});

function evaluate(expr: string): Value | CelError {
  const compiled = env.compile(expr);
  if (compiled.issues) throw new Error(`does not compile: ${compiled.issues}`);
  return compiled.program.evaluate(vars, { costLimit: 1_000_000 }).result;
}

describe("Kubernetes' CEL table", () => {
  it('records for every case how kube answered it', () => {
    for (const c of table.cases) assert.match(c.reference ?? '', /kube-apiserver v1\.34/, c.expr);
  });

  for (const c of table.cases) {
    it(c.expr, () => {
      if (c.compileError !== undefined) {
        const compiled = env.compile(c.expr);
        assert.ok(compiled.issues, `expected a compile error containing ${c.compileError}`);
        assert.ok(compiled.issues.toString().includes(c.compileError), `${compiled.issues}\n  does not contain: ${c.compileError}`);
        return;
      }
      const got = evaluate(c.expr);
      if (c.error !== undefined) {
        assert.ok(got instanceof CelError, `expected an error containing ${c.error}, got ${got instanceof CelError ? '' : displayValue(got)}`);
        assert.ok(got.message.includes(c.error), `${got.message}\n  does not contain: ${c.error}`);
        return;
      }
      assert.ok(!(got instanceof CelError), `unexpected error: ${got instanceof CelError ? got.message : ''}`);
      const want = evaluate(c.value!);
      assert.ok(!(want instanceof CelError));
      assert.equal(typeName(got), typeName(want), `type of ${displayValue(got)}`);
      assert.ok(equals(got, want), `${displayValue(got)} != ${displayValue(want)}`);
    });
  }
});
