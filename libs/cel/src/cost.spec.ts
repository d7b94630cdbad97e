// Runtime and estimated costs against Kubernetes' own cost tests
// (k8s.io/apiserver/pkg/cel/library/cost_test.go, read for their facts), which run without cel-go's
// OptOptimize; and what OptOptimize changes, as kube-apiserver runs it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { admissionActivation, admissionEnvironment } from './admission.js';
import { PER_CALL_LIMIT } from './cost-model.js';
import { kubernetesEnvironment } from './kubernetes.js';
import { CostLimitExceededError } from './errors.js';
import { CelError } from './values.js';

const unoptimized = kubernetesEnvironment({ optimize: false });
const optimized = kubernetesEnvironment();

function costs(expr: string, env = unoptimized): { runtime: number; estimated: { min: number; max: number } } {
  const c = env.compile(expr);
  if (c.issues) throw new Error(String(c.issues));
  const r = c.program.evaluate({});
  assert.ok(!(r.result instanceof CelError), r.result instanceof CelError ? r.result.message : '');
  return { runtime: r.cost, estimated: c.program.estimateCost() };
}

// [expression, estimated min, estimated max, runtime] from kube's cost tests.
const KUBE_COSTS: [string, number, number, number][] = [
  ['[1, 2, 3, 4, 5].sum()', 15, 15, 15],
  ['[uint(1), uint(2), uint(3), uint(4), uint(5)].sum()', 20, 20, 20],
  ['[1.0, 2.0, 3.0, 4.0, 5.0].max()', 15, 15, 15],
  ['[false, true, false, true, false].isSorted()', 15, 15, 15],
  ['[1, 2, 3, 4, 5].indexOf(3)', 15, 15, 15],
  ["'01234567890123456789012345678901234567890123456789'.indexOf('123')", 5, 5, 5],
  ["url('https:://kubernetes.io/').getHost()", 4, 4, 4],
  ["url('https:://kubernetes.io/') == url('http://x.b')", 5, 5, 5],
  ["ip('192.168.0.1')", 2, 2, 2],
  ["ip('2001:db8:3333:4444:5555:6666:7777:8888').family()", 5, 5, 5],
  ["ip('192.168.0.1') == ip('192.168.0.1')", 5, 5, 5],
  ["ip.isCanonical('2001:db8:3333:4444:5555:6666:7777:8888')", 8, 8, 8],
  ["cidr('192.168.0.0/16').prefixLength()", 3, 3, 3],
  ["cidr('192.168.0.0/16').containsIP(ip('192.0.0.1'))", 4, 7, 4],
  ["cidr('192.168.0.0/16').containsCIDR('192.0.0.0/30')", 7, 11, 7],
  ['quantity("12Mi")', 1, 1, 1],
  ['quantity("200M") == quantity("0.2G") && quantity("0.2G") == quantity("200M")', 3, 6, 6],
  ['quantity("50k").add(20).sub(quantity("100k")).sub(-50000).asInteger() > 0', 7, 7, 7],
  ['sets.contains([1, 2, 3, 4], [2, 3])', 29, 29, 29],
  ['sets.equivalent([1], [1])', 23, 23, 23],
  ['!sets.intersects([1], [2])', 23, 23, 23],
  ['semver("1234.56789012345.67890123456789")', 4, 4, 4],
  ["authorizer.path('/healthz').check('get').allowed()", 350003, 350003, 350003],
  ["authorizer.group('').resource('pods').labelSelector('spec.nodeName=example-node-name.fully.qualified.domain.name.example.com')", 1821, 1821, 1821],
];

describe("CEL costs (Kubernetes' cost tests)", () => {
  for (const [expr, min, max, runtime] of KUBE_COSTS) {
    it(expr, () => {
      const env = expr.startsWith('authorizer') ? kubernetesEnvironment({ optimize: false, variables: { authorizer: { kind: 'opaque', name: 'kubernetes.authorization.Authorizer' } } }) : unoptimized;
      const c = env.compile(expr);
      if (c.issues) throw new Error(String(c.issues));
      assert.deepEqual(c.program.estimateCost(), { min, max });
      if (expr.startsWith('authorizer')) return; // the runtime needs an authorizer value: the policy specs cover it
      assert.equal(costs(expr).runtime, runtime);
    });
  }

  it('folds constant literals and conversions as OptOptimize does: they cost nothing at runtime', () => {
    assert.equal(costs('[1, 2, 3, 4, 5].sum()', optimized).runtime, 5);
    assert.equal(costs('[uint(1), uint(2)].sum()', optimized).runtime, 2);
    const failing = optimized.compile('int("abc") == 1');
    assert.equal(failing.issues?.toString(), "program instantiation failed: type conversion error from 'string' to 'int'");
  });

  it("stops past the cost limit with cel-go's message", () => {
    const c = optimized.compile('[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, true)))');
    const r = c.program!.evaluate({}, { costLimit: 1000 });
    assert.equal(r.exceeded, true);
    assert.ok(r.result instanceof CelError);
    assert.equal(r.result.message, new CostLimitExceededError().message);
    assert.equal(r.result.message, 'operation cancelled: actual cost limit exceeded');
  });
});

describe('estimated cost limits', () => {
  it("words an estimate past the limit as kube's CRD validation does", async () => {
    const { estimatedCostError, PER_CALL_LIMIT } = await import('./cost-model.js');
    assert.equal(estimatedCostError('estimated rule cost', { min: 0, max: 10 }, PER_CALL_LIMIT), undefined);
    assert.equal(
      estimatedCostError('estimated rule cost', { min: 0, max: 2_500_000 }, PER_CALL_LIMIT),
      'estimated rule cost exceeds budget by factor of 2.5x (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)',
    );
    assert.match(estimatedCostError('estimated rule cost', { min: 0, max: 1_200_000 }, PER_CALL_LIMIT)!, /factor of 1\.200000x/);
    const unbounded = kubernetesEnvironment({ variables: { self: { kind: 'list', params: [{ kind: 'string' }] } } }).compile("self.all(x, self.all(y, x.contains(y)))").program!.estimateCost();
    assert.match(estimatedCostError('estimated rule cost', unbounded, PER_CALL_LIMIT)!, /factor of more than 100x/);
  });
});

describe("runtime costs at kube-apiserver's per-call limit", () => {
  // For each shape, the largest n kube-apiserver v1.34.2 evaluated within its per-call limit
  // (1,000,000) and n + 1, which it stopped with "actual cost limit exceeded": each asked as the
  // only validation of a ValidatingAdmissionPolicy bound with Deny, in a dry-run create of the
  // ConfigMap `x`. A cost model off by one unit per iteration would move the boundary.
  const list = (n: number) => `[${Array.from({ length: n }, (_, i) => i).join(',')}]`;
  const shapes: [string, (n: number) => string, number][] = [
    ['nested all', (n) => `${list(n)}.all(a, ${list(n)}.all(b, true))`, 576],
    ['map of filter', (n) => `${list(n)}.map(a, ${list(n)}.filter(b, b > a).size()).size() > 0`, 324],
    ['map of map', (n) => `${list(n)}.map(a, ${list(n)}.map(b, b).size()).size() > 0`, 276],
    ['startsWith on a field', (n) => `${list(n)}.all(a, ${list(n)}.all(b, object.metadata.name.startsWith('x')))`, 377],
    ['conditional with identifier branches', (n) => `${list(n)}.all(a, ${list(n)}.all(b, (b > a ? a : b) >= 0))`, 377],
    ['conditional with field branches', (n) => `${list(n)}.all(a, ${list(n)}.all(b, (b > a ? object.metadata.name : object.kind) != ''))`, 364],
  ];
  const env = admissionEnvironment({});
  const vars = admissionActivation({
    object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'kapi-cost-probe' } },
    request: { kind: { group: '', version: 'v1', kind: 'ConfigMap' }, resource: { group: '', version: 'v1', resource: 'configmaps' }, requestKind: { group: '', version: 'v1', kind: 'ConfigMap' }, requestResource: { group: '', version: 'v1', resource: 'configmaps' }, operation: 'CREATE', userInfo: {} },
  });
  for (const [name, shape, lastWithin] of shapes) {
    it(`${name}: n = ${lastWithin} is within, ${lastWithin + 1} is not`, () => {
      const within = env.compile(shape(lastWithin)).program!.evaluate(vars, { costLimit: PER_CALL_LIMIT });
      assert.equal(within.exceeded, undefined, `cost ${within.cost}`);
      const past = env.compile(shape(lastWithin + 1)).program!.evaluate(vars, { costLimit: PER_CALL_LIMIT });
      assert.equal(past.exceeded, true);
    });
  }
});
