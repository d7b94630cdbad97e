// Asks a real kube-apiserver what it answers for each case of the CEL table and records it, so the
// table's expected results come from kube itself. Not part of the test suite: run it by hand against
// the reference server (KUBECONFIG pointing at it, kubectl on PATH or in KUBECTL):
//   node libs/cel/scripts/probe-reference.mjs [--write]
// Each case becomes a validation of a ValidatingAdmissionPolicy bound with validationActions [Warn]
// and failurePolicy Fail; a dry-run create of a ConfigMap then warns for every case kube disagrees
// with (a value case checks `type(expr) == type(value) && expr == value`), and prints the error of
// every case that fails to compile or evaluate. With --write, each case's `reference` field is set.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const tablePath = join(here, '..', 'src', 'testdata', 'kube-cel-table.json');
const table = JSON.parse(readFileSync(tablePath, 'utf8'));
const kubectl = process.env.KUBECTL ?? 'kubectl';
const run = (args, input) => {
  const r = spawnSync(kubectl, args, { input, encoding: 'utf8' });
  return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', status: r.status };
};
const version = JSON.parse(run(['version', '-o', 'json']).stdout).serverVersion.gitVersion;
const NS = 'kapi-cel-probe';
run(['create', 'namespace', NS]);
run(['label', 'namespace', NS, 'kapi-cel-probe=true', '--overwrite']);

/** The validation expression that makes kube report a case. */
function validationOf(c) {
  if (c.compileError !== undefined) return c.expr;
  if (c.error !== undefined) return `type(${c.expr}) == type(${c.expr})`;
  return `type(${c.expr}) == type(${c.value}) && (${c.expr}) == (${c.value})`;
}

// Small chunks: kube truncates warnings once a response's add up to more than 4 KiB.
const CHUNK = 10;
const cases = table.cases.map((c, i) => ({ ...c, index: i })).filter((c) => c.probe !== false);
const observed = new Map();
// An expression that does not compile makes kube refuse the policy itself: ask with a dry-run create.
for (const c of cases.filter((x) => x.compileError !== undefined)) {
  const policy = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: `kapi-cel-probe-compile-${c.index}` },
    spec: { matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }] }, validations: [{ expression: c.expr }] },
  };
  const { stderr } = run(['create', '-f', '-', '--dry-run=server', '-o', 'name'], JSON.stringify(policy));
  const compile = stderr.indexOf('compilation failed: ');
  const program = stderr.indexOf('program instantiation failed: ');
  observed.set(c.index, compile >= 0 ? stderr.slice(compile + 'compilation failed: '.length).trimEnd() : program >= 0 ? stderr.slice(program).trimEnd() : 'ok');
}
const evaluated = cases.filter((x) => x.compileError === undefined);
for (let start = 0; start < evaluated.length; start += CHUNK) {
  const chunk = evaluated.slice(start, start + CHUNK);
  const name = `kapi-cel-probe-${start}`;
  const policy = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }] },
      validations: [{ expression: 'false', message: 'sentinel' }, ...chunk.map((c) => ({ expression: validationOf(c), message: `case ${c.index}` }))],
    },
  };
  const binding = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name },
    spec: { policyName: name, validationActions: ['Warn'], matchResources: { namespaceSelector: { matchLabels: { 'kapi-cel-probe': 'true' } } } },
  };
  // Kube evaluates conversions of constants when it builds a program (cel-go's OptOptimize): one that
  // fails makes the policy invalid. Such cases are recorded from kube's answer and left out.
  for (;;) {
    const applied = run(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [policy, binding] }));
    if (applied.status === 0) break;
    const failed = [
      ...applied.stderr.matchAll(/spec\.validations\[(\d+)\]\.expression: Internal error: (program instantiation failed: .*)/g),
      ...[...applied.stderr.matchAll(/spec\.validations\[(\d+)\]\.expression: Invalid value: .*?: compilation failed: ERROR: <input>:\d+:\d+: (.*)/g)].map(([all, i, m]) => [all, i, `compilation failed: ${m}`]),
    ];
    if (!failed.length) throw new Error(`cannot create policy ${name}: ${applied.stderr}`);
    const drop = new Set(failed.map(([, i, message]) => {
      const c = chunk[Number(i) - 1];
      observed.set(c.index, message.trimEnd());
      return Number(i);
    }));
    policy.spec.validations = policy.spec.validations.filter((_, i) => !drop.has(i));
    chunk.splice(0, chunk.length, ...chunk.filter((c) => !observed.has(c.index)));
  }
  const cm = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'probe', namespace: NS, labels: { app: 'probe' } }, data: { a: '1', b: 'two' } });
  let warnings = [];
  let active = false;
  for (let attempt = 0; attempt < 60 && !active; attempt++) {
    const { stderr } = run(['create', '-f', '-', '--dry-run=server', '-o', 'name'], cm);
    warnings = stderr.split('\n').filter((l) => l.startsWith('Warning: '));
    active = warnings.some((w) => w.endsWith(`with binding '${name}': sentinel`));
    if (!active) execFileSync('sleep', ['1']);
  }
  if (!active) throw new Error(`policy ${name} never took effect: ${warnings.join('\n')}`);
  const prefix = `Warning: Validation failed for ValidatingAdmissionPolicy '${name}' with binding '${name}': `;
  for (const c of chunk) {
    const mine = warnings.filter((w) => w.startsWith(prefix)).map((w) => w.slice(prefix.length));
    const failed = mine.find((m) => m === `case ${c.index}`);
    const errored = mine.find((m) => m.startsWith(`expression '${validationOf(c)}' resulted in error: `));
    observed.set(c.index, errored ? errored.slice(`expression '${validationOf(c)}' resulted in error: `.length) : failed ? 'mismatch' : 'ok');
  }
  run(['delete', 'validatingadmissionpolicybinding', name]);
  run(['delete', 'validatingadmissionpolicy', name]);
}

let disagreements = 0;
for (const c of cases) {
  const seen = observed.get(c.index);
  const expectError = c.error !== undefined || c.compileError !== undefined;
  const agrees = expectError ? seen !== 'ok' && seen !== 'mismatch' && seen.includes(c.error ?? c.compileError) : seen === 'ok';
  if (!agrees) {
    disagreements++;
    console.log(`case ${c.index}: ${c.expr}\n  table: ${c.value ?? c.error ?? c.compileError}\n  kube:  ${seen}`);
  }
  table.cases[c.index].reference = agrees ? `confirmed by kube-apiserver ${version} (ValidatingAdmissionPolicy Warn probe)` : `kube-apiserver ${version} answered: ${seen}`;
}
console.log(`${cases.length - disagreements} of ${cases.length} cases agree with kube-apiserver ${version}`);
if (process.argv.includes('--write')) writeFileSync(tablePath, JSON.stringify(table, null, 2) + '\n');
