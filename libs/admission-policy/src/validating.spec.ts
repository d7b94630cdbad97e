// ValidatingAdmissionPolicy against kube-apiserver v1.34.2's answers (recorded from the reference
// server with a policy, a binding with paramRef, and dry-run creates of ConfigMaps).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AdmissionAttributes } from '@kapi/admission-chain';
import { StatusError, type LabelSelector } from '@kapi/api-machinery';
import type { AuthzRequest } from '@kapi/cel';
import { MetricsRegistry } from '@kapi/telemetry';
import { ValidatingPolicyMetrics } from './metrics.js';
import type { ParamSource } from './params.js';
import { ValidatingAdmissionPolicy } from './validating.js';
import type { KubeObject, ValidatingAdmissionPolicy as Policy, ValidatingAdmissionPolicyBinding as Binding, Validation } from './types.js';

const rules = [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE' as const], resources: ['configmaps'] }];

function policy(validations: Validation[], spec: Partial<NonNullable<Policy['spec']>> = {}): Policy {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: 'vapref-p' },
    spec: { failurePolicy: 'Fail', matchConstraints: { resourceRules: rules }, variables: [{ name: 'mode', expression: "object.metadata.?labels.?mode.orValue('none')" }], validations, ...spec },
  };
}

function binding(spec: Partial<NonNullable<Binding['spec']>> = {}): Binding {
  return { metadata: { name: 'vapref-b' }, spec: { policyName: 'vapref-p', validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { vapref: 'true' } } }, ...spec } };
}

interface Recorded {
  warnings: string[];
  annotations: Record<string, string>;
}

function attributes(labels: Record<string, string>, recorded: Recorded, data: Record<string, string> = { a: '1' }): AdmissionAttributes {
  return {
    operation: 'CREATE',
    kind: { group: '', version: 'v1', kind: 'ConfigMap' },
    resource: { group: '', version: 'v1', resource: 'configmaps', namespace: 'vapref' },
    subresource: '',
    name: `c-${labels.mode ?? 'x'}`,
    object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c-${labels.mode ?? 'x'}`, namespace: 'vapref', labels }, data },
    user: { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] },
    dryRun: true,
    recorder: { warning: (m) => recorded.warnings.push(m), auditAnnotation: (k, v) => (recorded.annotations[k] = v) },
  };
}

const paramsCM: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'vapref-params', namespace: 'vapref', labels: { role: 'params' } }, data: { max: '5' } };

function params(objects: KubeObject[]): ParamSource {
  return {
    scopeOf: (k) => (k.kind === 'ConfigMap' ? 'Namespaced' : undefined),
    get: async (_k, ns, name) => objects.find((o) => o.metadata?.namespace === ns && o.metadata?.name === name),
    list: async (_k, ns, selector: LabelSelector) => objects.filter((o) => o.metadata?.namespace === ns && selector.matches(o.metadata?.labels ?? {})),
  };
}

function plugin(p: Policy, b: Binding, extra: { params?: ParamSource; authorize?: (r: AuthzRequest) => Promise<{ decision: 'Allow' | 'Deny' | 'NoOpinion'; reason: string }>; registry?: MetricsRegistry } = {}) {
  return ValidatingAdmissionPolicy({
    policies: { snapshot: () => ({ policies: [p], bindings: [b] }) },
    namespaces: { get: async (name) => (name === 'vapref' ? { metadata: { name, labels: { vapref: 'true' } } } : undefined) },
    params: extra.params ?? params([paramsCM]),
    metrics: new ValidatingPolicyMetrics(extra.registry ?? new MetricsRegistry()),
    ...(extra.authorize ? { authorize: extra.authorize } : {}),
  });
}

async function denial(run: Promise<void>): Promise<ReturnType<StatusError['toStatus']>> {
  try {
    await run;
  } catch (err) {
    assert.ok(err instanceof StatusError, String(err));
    return err.toStatus();
  }
  assert.fail('expected a denial');
}

const fresh = (): Recorded => ({ warnings: [], annotations: {} });
const withParams = binding({ paramRef: { name: 'vapref-params', parameterNotFoundAction: 'Deny' } });
const paramPolicy = (v: Validation[]) => policy(v, { paramKind: { apiVersion: 'v1', kind: 'ConfigMap' } });

describe('ValidatingAdmissionPolicy', () => {
  it('denies with kube\'s message, reason Invalid and 422 when a validation without message fails', async () => {
    const status = await denial(plugin(paramPolicy([{ expression: "variables.mode != 'deny-plain'" }]), withParams).validate!(attributes({ mode: 'deny-plain' }, fresh())));
    assert.deepEqual(status, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: "configmaps \"c-deny-plain\" is forbidden: ValidatingAdmissionPolicy 'vapref-p' with binding 'vapref-b' denied request: failed expression: variables.mode != 'deny-plain'",
      reason: 'Invalid',
      details: { name: 'c-deny-plain', kind: 'configmaps', causes: [{ message: "ValidatingAdmissionPolicy 'vapref-p' with binding 'vapref-b' denied request: failed expression: variables.mode != 'deny-plain'" }] },
      code: 422,
    });
  });

  it('uses the message, the messageExpression (with params) and the reason', async () => {
    const p = paramPolicy([
      { expression: "variables.mode != 'deny-message'", message: 'mode must not be deny-message' },
      { expression: "variables.mode != 'deny-expr'", messageExpression: "'mode is ' + variables.mode + ', max ' + params.data.max" },
      { expression: "variables.mode != 'deny-forbidden'", reason: 'Forbidden', message: 'forbidden mode' },
    ]);
    const suffix = (s: { message?: string }) => s.message!.split('denied request: ')[1];
    assert.equal(suffix(await denial(plugin(p, withParams).validate!(attributes({ mode: 'deny-message' }, fresh())))), 'mode must not be deny-message');
    assert.equal(suffix(await denial(plugin(p, withParams).validate!(attributes({ mode: 'deny-expr' }, fresh())))), 'mode is deny-expr, max 5');
    const forbidden = await denial(plugin(p, withParams).validate!(attributes({ mode: 'deny-forbidden' }, fresh())));
    assert.equal(forbidden.code, 403);
    assert.equal(forbidden.reason, 'Forbidden');
    assert.equal(forbidden.message, "configmaps \"c-deny-forbidden\" is forbidden: ValidatingAdmissionPolicy 'vapref-p' with binding 'vapref-b' denied request: forbidden mode");
    await plugin(p, withParams).validate!(attributes({ mode: 'ok' }, fresh()));
  });

  it('denies a runtime error under failurePolicy Fail and admits it under Ignore', async () => {
    const v = [{ expression: "variables.mode != 'error' || object.data.missing == 'x'" }];
    const status = await denial(plugin(policy(v), binding()).validate!(attributes({ mode: 'error' }, fresh())));
    assert.equal(status.message?.split('denied request: ')[1], "expression 'variables.mode != 'error' || object.data.missing == 'x'' resulted in error: no such key: missing");
    await plugin(policy(v, { failurePolicy: 'Ignore' }), binding()).validate!(attributes({ mode: 'error' }, fresh()));
  });

  it("stops an expression past kube's per-call cost limit", async () => {
    const ten = '[1,2,3,4,5,6,7,8,9,10]';
    const expression = `variables.mode != 'cost' || ${ten}.all(a, ${ten}.all(b, ${ten}.all(c, ${ten}.all(d, ${ten}.all(e, ${ten}.all(f, true))))))`;
    const status = await denial(plugin(policy([{ expression }]), binding()).validate!(attributes({ mode: 'cost' }, fresh())));
    assert.equal(status.message?.split('denied request: ')[1], `expression '${expression}' resulted in error: operation cancelled: actual cost limit exceeded`);
  });

  it('stops every further validation once the runtime budget of the evaluation is spent', async () => {
    // Each validation costs 344,441 (under the per-call limit of 1,000,000); thirty exceed 10,000,000.
    const heavy = '[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, [1,2,3,4,5,6,7,8,9,10].all(d, [1,2,3,4,5,6,7,8,9,10].all(e, true)))))';
    const status = await denial(plugin(policy(Array.from({ length: 30 }, () => ({ expression: heavy }))), binding()).validate!(attributes({}, fresh())));
    assert.equal(status.message?.split('denied request: ')[1], 'validation failed due to running out of cost budget, no further validation rules will be run');
  });

  it('fails the binding when no param exists and parameterNotFoundAction is Deny; skips it under Allow', async () => {
    const p = paramPolicy([{ expression: 'true' }]);
    const status = await denial(plugin(p, withParams, { params: params([]) }).validate!(attributes({}, fresh())));
    assert.equal(status.message?.split('denied request: ')[1], 'failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction');
    await plugin(paramPolicy([{ expression: 'false' }]), binding({ paramRef: { selector: { matchLabels: { x: 'y' } }, parameterNotFoundAction: 'Allow' } })).validate!(attributes({}, fresh()));
  });

  it('evaluates once per param a selector finds', async () => {
    const second = { ...paramsCM, metadata: { ...paramsCM.metadata, name: 'second' }, data: { max: '9' } };
    const recorded = fresh();
    const b = binding({ paramRef: { selector: { matchLabels: { role: 'params' } } }, validationActions: ['Warn'] });
    await plugin(paramPolicy([{ expression: 'false', messageExpression: "'max ' + params.data.max" }]), b, { params: params([paramsCM, second]) }).validate!(attributes({}, recorded));
    assert.deepEqual(recorded.warnings, ["Validation failed for ValidatingAdmissionPolicy 'vapref-p' with binding 'vapref-b': max 5", "Validation failed for ValidatingAdmissionPolicy 'vapref-p' with binding 'vapref-b': max 9"]);
  });

  it('warns with Warn, records the failure with Audit, and publishes audit annotations', async () => {
    const recorded = fresh();
    const p = policy([{ expression: 'false', message: 'nope' }], { auditAnnotations: [{ key: 'mode', valueExpression: "'mode=' + variables.mode" }] });
    await plugin(p, binding({ validationActions: ['Warn', 'Audit'] })).validate!(attributes({ mode: 'm' }, recorded));
    assert.deepEqual(recorded.warnings, ["Validation failed for ValidatingAdmissionPolicy 'vapref-p' with binding 'vapref-b': nope"]);
    assert.deepEqual(JSON.parse(recorded.annotations['validation.policy.admission.k8s.io/validation_failure']), [{ message: 'nope', policy: 'vapref-p', binding: 'vapref-b', expressionIndex: 0, validationActions: ['Warn', 'Audit'] }]);
    assert.equal(recorded.annotations['vapref-p/mode'], 'mode=m');
  });

  it('skips a policy whose matchConditions are false, and a namespace the binding does not select', async () => {
    const p = policy([{ expression: 'false' }], { matchConditions: [{ name: 'only-deny', expression: "variables.mode == 'deny'" }] });
    await plugin(p, binding()).validate!(attributes({ mode: 'other' }, fresh()));
    await denial(plugin(p, binding()).validate!(attributes({ mode: 'deny' }, fresh())));
    await plugin(policy([{ expression: 'false' }]), binding({ matchResources: { namespaceSelector: { matchLabels: { other: 'x' } } } })).validate!(attributes({}, fresh()));
  });

  it('asks the injected authorizer for authorizer checks', async () => {
    const asked: AuthzRequest[] = [];
    const authorize = async (r: AuthzRequest) => {
      asked.push(r);
      return { decision: r.verb === 'create' ? ('Allow' as const) : ('NoOpinion' as const), reason: '' };
    };
    const p = policy([{ expression: "authorizer.group('apps').resource('deployments').namespace('vapref').check('create').allowed()" }, { expression: "authorizer.requestResource.check('delete').allowed()", message: 'may not delete' }]);
    const status = await denial(plugin(p, binding(), { authorize }).validate!(attributes({}, fresh())));
    assert.equal(status.message?.split('denied request: ')[1], 'may not delete');
    assert.deepEqual(
      asked.map((r) => [r.verb, r.group, r.resource, r.namespace, r.user.username]),
      [
        ['create', 'apps', 'deployments', 'vapref', 'kubernetes-admin'],
        ['delete', '', 'configmaps', 'vapref', 'kubernetes-admin'],
      ],
    );
  });

  it('counts checks in kube\'s metrics', async () => {
    const registry = new MetricsRegistry();
    await denial(plugin(policy([{ expression: 'false' }]), binding(), { registry }).validate!(attributes({}, fresh())));
    assert.match(registry.render(), /apiserver_validating_admission_policy_check_total\{enforcement_action="deny",error_type="invalid_error",policy="vapref-p",policy_binding="vapref-b"\} 1/);
  });
});
