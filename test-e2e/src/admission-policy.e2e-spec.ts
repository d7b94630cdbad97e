// ValidatingAdmissionPolicy and MutatingAdmissionPolicy in a real stack, through the machine's
// kubectl: a policy with params from a ConfigMap, variables, a messageExpression and a match
// condition, bound once with Deny to prod namespaces and once with Warn and Audit to dev ones;
// failurePolicy Fail and Ignore; an expression past kube's cost limit; what cannot compile refused
// at create; type checking written into status by the registry's controller; the admission
// service's metrics; and, in a stack that switches them on, MutatingAdmissionPolicies. Every line
// asserted is the one kube-apiserver v1.34.2 printed for the same steps.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { httpGet, METRICS_ADDRESS } from '@kapi/local-stack';
import { apiRequest, eventually, startTestStack, type TestStack } from './harness.js';

const POLICY = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: max-replicas
spec:
  failurePolicy: Fail
  paramKind: {apiVersion: v1, kind: ConfigMap}
  matchConstraints:
    resourceRules:
    - apiGroups: [apps]
      apiVersions: [v1]
      operations: [CREATE, UPDATE]
      resources: [deployments]
  matchConditions:
  - name: not-exempt
    expression: "!has(object.metadata.labels) || !('exempt' in object.metadata.labels)"
  variables:
  - name: replicas
    expression: object.spec.replicas
  validations:
  - expression: variables.replicas <= int(params.data.maxReplicas)
    messageExpression: "'replicas ' + string(variables.replicas) + ' is more than ' + params.data.maxReplicas"
    reason: Invalid
  auditAnnotations:
  - key: replicas
    valueExpression: string(variables.replicas)
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: max-replicas-prod
spec:
  policyName: max-replicas
  validationActions: [Deny]
  paramRef: {name: replica-limits, namespace: vap, parameterNotFoundAction: Deny}
  matchResources:
    namespaceSelector:
      matchLabels: {env: prod}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: max-replicas-dev
spec:
  policyName: max-replicas
  validationActions: [Warn, Audit]
  paramRef: {name: replica-limits, namespace: vap, parameterNotFoundAction: Deny}
  matchResources:
    namespaceSelector:
      matchLabels: {env: dev}
`;

const EXEMPT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: exempt, namespace: vap, labels: {exempt: "true"}}
spec:
  replicas: 5
  selector: {matchLabels: {app: exempt}}
  template:
    metadata: {labels: {app: exempt}}
    spec: {containers: [{name: c, image: nginx}]}
`;

const NESTED = Array.from({ length: 20 }, (_, i) => i + 1).join(',');
const COSTLY = `[${NESTED}].all(a, [${NESTED}].all(b, [${NESTED}].all(c, [${NESTED}].all(d, [${NESTED}].all(e, a + b + c + d + e > 0)))))`;

const FAILURES = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: needs-owner}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}]
    namespaceSelector: {matchLabels: {policy-test: failure}}
  validations:
  - expression: "object.metadata.labels.owner != ''"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: needs-owner}
spec: {policyName: needs-owner, validationActions: [Deny]}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: costly}
spec:
  matchConstraints:
    resourceRules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}]
    namespaceSelector: {matchLabels: {policy-test: cost}}
  validations:
  - expression: "${COSTLY}"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: costly}
spec: {policyName: costly, validationActions: [Deny]}
`;

const typeChecked = (expression: string) => `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: typecheck}
spec:
  matchConstraints:
    resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}]
  validations:
  - expression: "${expression}"
`;

/** The value of one sample of the admission service's /metrics (its first replica), or undefined. */
async function sample(stack: TestStack, line: string): Promise<number | undefined> {
  const admission = stack.handle.topology.services.find((s) => s.service === 'admission')!;
  const res = await httpGet(`http://${METRICS_ADDRESS}:${admission.listen.port}/metrics`);
  const found = res.body.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

/** kubectl on a stack, and kubectl that must succeed. */
function commands(stack: () => TestStack) {
  const kubectl = (args: string[], input?: string) => stack().kubectl(args, input === undefined ? {} : { input });
  const ok = async (args: string[], input?: string) => {
    const res = await kubectl(args, input);
    assert.equal(res.code, 0, res.stderr);
    return res;
  };
  return { kubectl, ok };
}

describe('ValidatingAdmissionPolicy', () => {
  let stack: TestStack;
  const { kubectl, ok } = commands(() => stack);

  before(async () => {
    stack = await startTestStack({ aggregatorReplicas: 1 });
    await ok(['create', 'namespace', 'vap']);
    await ok(['label', 'namespace', 'vap', 'env=prod']);
    await ok(['create', 'namespace', 'vap-dev']);
    await ok(['label', 'namespace', 'vap-dev', 'env=dev']);
    await ok(['-n', 'vap', 'create', 'configmap', 'replica-limits', '--from-literal=maxReplicas=3']);
  });

  after(async () => {
    await stack?.stop();
  });

  it("refuses at create an expression that does not compile, in kube's words", async () => {
    const bad = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: bad}
spec:
  matchConstraints:
    resourceRules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}]
  validations:
  - expression: "object.metadata.name =="
`;
    const res = await kubectl(['apply', '-f', '-'], bad);
    assert.equal(res.code, 1);
    assert.equal(
      res.stderr,
      `The ValidatingAdmissionPolicy "bad" is invalid: spec.validations[0].expression: Invalid value: "object.metadata.name ==": compilation failed: ERROR: <input>:1:24: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}\n | object.metadata.name ==\n | .......................^\n`,
    );
  });

  it('denies with params, variables and a messageExpression where a Deny binding selects the namespace, warns and audits where a Warn binding does', async () => {
    const applied = await ok(['apply', '-f', '-'], POLICY);
    assert.equal(
      applied.stdout,
      'validatingadmissionpolicy.admissionregistration.k8s.io/max-replicas created\nvalidatingadmissionpolicybinding.admissionregistration.k8s.io/max-replicas-prod created\nvalidatingadmissionpolicybinding.admissionregistration.k8s.io/max-replicas-dev created\n',
    );
    const denial = `error: failed to create deployment: deployments.apps "web" is forbidden: ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-prod' denied request: replicas 5 is more than 3\n`;
    const warning = `Warning: Validation failed for ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-dev': replicas 5 is more than 3\n`;
    // The policy and its bindings reach the admission service's informers a moment after the apply.
    await eventually(async () => assert.equal((await kubectl(['-n', 'vap', 'create', 'deployment', 'web', '--image=nginx', '--replicas=5', '--dry-run=server'])).stderr, denial));
    await eventually(async () => assert.equal((await kubectl(['-n', 'vap-dev', 'create', 'deployment', 'probe', '--image=nginx', '--replicas=5', '--dry-run=server'])).stderr, warning));

    const denied = await kubectl(['-n', 'vap', 'create', 'deployment', 'web', '--image=nginx', '--replicas=5']);
    assert.deepEqual([denied.code, denied.stdout, denied.stderr], [1, '', denial]);
    // kube's code for the validation's reason (Invalid: 422) on a Forbidden-shaped message.
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'raw' }, spec: { replicas: 7, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } };
    const raw = await apiRequest(stack, 'POST', '/apis/apps/v1/namespaces/vap/deployments?dryRun=All', deployment);
    const status = JSON.parse(raw.body);
    assert.deepEqual([raw.code, status.code, status.reason, status.message], [422, 422, 'Invalid', `deployments.apps "raw" is forbidden: ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-prod' denied request: replicas 7 is more than 3`]);
    assert.equal((await ok(['-n', 'vap', 'create', 'deployment', 'small', '--image=nginx', '--replicas=2'])).stdout, 'deployment.apps/small created\n');
    const warned = await ok(['-n', 'vap-dev', 'create', 'deployment', 'big', '--image=nginx', '--replicas=5']);
    assert.deepEqual([warned.stdout, warned.stderr], ['deployment.apps/big created\n', warning]);
    // A match condition leaves a deployment labelled exempt alone; the scale subresource is not what the rule names.
    assert.equal((await ok(['apply', '-f', '-'], EXEMPT)).stdout, 'deployment.apps/exempt created\n');
    assert.equal((await ok(['-n', 'vap', 'scale', 'deployment', 'small', '--replicas=4'])).stdout, 'deployment.apps/small scaled\n');
    // kapi keeps no audit log yet: the request's audit annotations are attributes of its trace.
    await eventually(() => {
      const annotated = stack.traceSpans().find((s) => s.attributes['kapi.audit.annotation.max-replicas/replicas'] === '5' && 'kapi.audit.annotation.validation.policy.admission.k8s.io/validation_failure' in s.attributes);
      assert.ok(annotated, 'a span carries the audit annotations of the Warn and Audit binding');
      assert.deepEqual(JSON.parse(String(annotated.attributes['kapi.audit.annotation.validation.policy.admission.k8s.io/validation_failure'])), [
        { message: 'replicas 5 is more than 3', policy: 'max-replicas', binding: 'max-replicas-dev', expressionIndex: 0, validationActions: ['Warn', 'Audit'] },
      ]);
    });

    assert.match((await ok(['get', 'validatingadmissionpolicies'])).stdout, /^NAME +VALIDATIONS +PARAMKIND +AGE\nmax-replicas +1 +v1\/ConfigMap +\d+s\n$/);
    assert.match((await ok(['get', 'validatingadmissionpolicybindings'])).stdout, /^NAME +POLICYNAME +PARAMREF +AGE\nmax-replicas-dev +max-replicas +vap\/replica-limits +\d+s\nmax-replicas-prod +max-replicas +vap\/replica-limits +\d+s\n$/);
  });

  it('fails closed on an evaluation error under failurePolicy Fail and open under Ignore, and stops an expression past the cost limit', async () => {
    for (const [ns, label] of [['vap-failure', 'policy-test=failure'], ['vap-cost', 'policy-test=cost']]) {
      await ok(['create', 'namespace', ns]);
      await ok(['label', 'namespace', ns, label]);
    }
    await ok(['apply', '-f', '-'], FAILURES);
    const failed = `error: failed to create configmap: configmaps "c1" is forbidden: ValidatingAdmissionPolicy 'needs-owner' with binding 'needs-owner' denied request: expression 'object.metadata.labels.owner != ''' resulted in error: no such key: labels\n`;
    await eventually(async () => assert.equal((await kubectl(['-n', 'vap-failure', 'create', 'configmap', 'c1', '--dry-run=server'])).stderr, failed));
    assert.equal((await kubectl(['-n', 'vap-failure', 'create', 'configmap', 'c1'])).stderr, failed);

    await ok(['patch', 'validatingadmissionpolicy', 'needs-owner', '--type=merge', '-p', '{"spec":{"failurePolicy":"Ignore"}}']);
    await eventually(async () => assert.equal((await kubectl(['-n', 'vap-failure', 'create', 'configmap', 'c2', '--dry-run=server'])).code, 0));
    assert.equal((await ok(['-n', 'vap-failure', 'create', 'configmap', 'c2'])).stdout, 'configmap/c2 created\n');

    const tooCostly = `error: failed to create configmap: configmaps "c3" is forbidden: ValidatingAdmissionPolicy 'costly' with binding 'costly' denied request: expression '${COSTLY}' resulted in error: operation cancelled: actual cost limit exceeded\n`;
    await eventually(async () => assert.equal((await kubectl(['-n', 'vap-cost', 'create', 'configmap', 'c3'])).stderr, tooCostly));
  });

  it("writes type checking into the policy's status, once per generation", async () => {
    await ok(['apply', '-f', '-'], typeChecked("object.spec.replicas > 'many'"));
    const status = async () => JSON.parse((await ok(['get', 'validatingadmissionpolicy', 'typecheck', '-o', 'jsonpath={.status}'])).stdout || '{}');
    await eventually(async () =>
      assert.deepEqual(await status(), {
        observedGeneration: 1,
        typeChecking: {
          expressionWarnings: [
            {
              fieldRef: 'spec.validations[0].expression',
              warning: "apps/v1, Kind=Deployment: ERROR: <input>:1:22: found no matching overload for '_>_' applied to '(int, string)'\n | object.spec.replicas > 'many'\n | .....................^\n",
            },
          ],
        },
      }),
    );
    assert.equal((await ok(['apply', '-f', '-'], typeChecked('object.spec.replicas > 1'))).stdout, 'validatingadmissionpolicy.admissionregistration.k8s.io/typecheck configured\n');
    await eventually(async () => assert.deepEqual(await status(), { observedGeneration: 2 }));
    // The controller's write is the API server's own, under kube's field manager.
    const managed = JSON.parse((await ok(['get', 'validatingadmissionpolicy', 'typecheck', '-o', 'json', '--show-managed-fields'])).stdout).metadata.managedFields;
    assert.ok(managed.some((m: { manager: string; operation: string; subresource?: string }) => m.manager === 'validatingadmissionpolicy-status' && m.operation === 'Apply' && m.subresource === 'status'));
  });

  it("counts its decisions on the admission service's /metrics, with kube's names and labels", async () => {
    const counted = (action: string, policy: string, binding: string) =>
      sample(stack, `apiserver_validating_admission_policy_check_total{enforcement_action="${action}",error_type="invalid_error",policy="${policy}",policy_binding="${binding}"}`);
    // Two denials by max-replicas-prod (the dry run and the create), two warnings and audits by max-replicas-dev.
    assert.ok(((await counted('deny', 'max-replicas', 'max-replicas-prod')) ?? 0) >= 2);
    assert.ok(((await counted('warn', 'max-replicas', 'max-replicas-dev')) ?? 0) >= 2);
    assert.ok(((await counted('audit', 'max-replicas', 'max-replicas-dev')) ?? 0) >= 2);
    assert.ok(((await counted('allow', 'needs-owner', 'needs-owner')) ?? 0) >= 1, 'an error ignored under failurePolicy Ignore is counted as allowed');
    assert.ok(
      ((await sample(stack, 'apiserver_validating_admission_policy_check_duration_seconds_count{enforcement_action="deny",error_type="invalid_error",policy="costly",policy_binding="costly"}')) ?? 0) >= 1,
    );
  });

  it('lets only a user who may read the params point a policy at them', async () => {
    await ok(['create', 'clusterrole', 'policy-writer', '--verb=create,update,get', '--resource=validatingadmissionpolicies,validatingadmissionpolicybindings']);
    await ok(['create', 'clusterrolebinding', 'policy-writer', '--clusterrole=policy-writer', '--user=alice']);
    const withParams = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: alices}
spec:
  paramKind: {apiVersion: v1, kind: ConfigMap}
  matchConstraints:
    resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}]
  validations: [{expression: "true"}]
`;
    await eventually(async () =>
      assert.equal(
        (await kubectl(['create', '-f', '-', '--as=alice', '--as-group=dev'], withParams)).stderr,
        'The ValidatingAdmissionPolicy "alices" is invalid: spec.paramKind: Forbidden: user &{alice  [dev system:authenticated] map[]} must have "get" permission on all objects of the referenced paramKind (kind=ConfigMap, apiVersion=v1)\n',
      ),
    );
  });

  it('serves no MutatingAdmissionPolicy unless its API is switched on, as kube 1.34', async () => {
    assert.equal((await kubectl(['get', 'mutatingadmissionpolicies'])).stderr, 'error: the server doesn\'t have a resource type "mutatingadmissionpolicies"\n');
  });
});

describe('MutatingAdmissionPolicy, with admissionregistration.k8s.io/v1beta1 and its feature gate switched on', () => {
  let stack: TestStack;
  const { kubectl, ok } = commands(() => stack);

  before(async () => {
    stack = await startTestStack({
      aggregatorReplicas: 1,
      env: { KAPI_RUNTIME_CONFIG: 'admissionregistration.k8s.io/v1beta1=true', KAPI_FEATURE_GATES: 'MutatingAdmissionPolicy=true' },
    });
  });

  after(async () => {
    await stack?.stop();
  });

  it('serves the two kinds in v1beta1 beside the v1 ones', async () => {
    const { stdout } = await ok(['api-resources', '--api-group=admissionregistration.k8s.io']);
    const rows = stdout.trim().split('\n').slice(1).map((line) => line.trim().split(/\s+/));
    assert.deepEqual(rows, [
      ['mutatingadmissionpolicies', 'admissionregistration.k8s.io/v1beta1', 'false', 'MutatingAdmissionPolicy'],
      ['mutatingadmissionpolicybindings', 'admissionregistration.k8s.io/v1beta1', 'false', 'MutatingAdmissionPolicyBinding'],
      ['mutatingwebhookconfigurations', 'admissionregistration.k8s.io/v1', 'false', 'MutatingWebhookConfiguration'],
      ['validatingadmissionpolicies', 'admissionregistration.k8s.io/v1', 'false', 'ValidatingAdmissionPolicy'],
      ['validatingadmissionpolicybindings', 'admissionregistration.k8s.io/v1', 'false', 'ValidatingAdmissionPolicyBinding'],
      ['validatingwebhookconfigurations', 'admissionregistration.k8s.io/v1', 'false', 'ValidatingWebhookConfiguration'],
    ]);
  });

  it('mutates with an apply configuration from params and a JSON patch, and refuses what cannot be a mutation', async () => {
    await ok(['create', 'namespace', 'map']);
    await ok(['label', 'namespace', 'map', 'mutate=yes']);
    await ok(['-n', 'map', 'create', 'configmap', 'team', '--from-literal=team=storage']);
    const policy = `apiVersion: admissionregistration.k8s.io/v1beta1
kind: MutatingAdmissionPolicy
metadata: {name: team-label}
spec:
  paramKind: {apiVersion: v1, kind: ConfigMap}
  matchConstraints:
    resourceRules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}]
    namespaceSelector: {matchLabels: {mutate: "yes"}}
  matchConditions:
  - name: not-the-param
    expression: "object.metadata.name != 'team'"
  reinvocationPolicy: Never
  mutations:
  - patchType: ApplyConfiguration
    applyConfiguration:
      expression: 'Object{metadata: Object.metadata{labels: {"team": params.data.team}}}'
  - patchType: JSONPatch
    jsonPatch:
      expression: '[JSONPatch{op: "add", path: "/data", value: {"mutated": "true"}}]'
---
apiVersion: admissionregistration.k8s.io/v1beta1
kind: MutatingAdmissionPolicyBinding
metadata: {name: team-label}
spec:
  policyName: team-label
  paramRef: {name: team, namespace: map, parameterNotFoundAction: Deny}
`;
    assert.equal(
      (await ok(['apply', '-f', '-'], policy)).stdout,
      'mutatingadmissionpolicy.admissionregistration.k8s.io/team-label created\nmutatingadmissionpolicybinding.admissionregistration.k8s.io/team-label created\n',
    );
    await eventually(async () => {
      const probe = JSON.parse((await ok(['-n', 'map', 'create', 'configmap', 'probe', '--dry-run=server', '-o', 'json'])).stdout);
      assert.deepEqual(probe.metadata.labels, { team: 'storage' });
    });
    assert.equal((await ok(['-n', 'map', 'create', 'configmap', 'app'])).stdout, 'configmap/app created\n');
    assert.equal((await ok(['-n', 'map', 'get', 'configmap', 'app', '-o', 'jsonpath={.metadata.labels} {.data}'])).stdout, '{"team":"storage"} {"mutated":"true"}');
    assert.match((await ok(['get', 'mutatingadmissionpolicies'])).stdout, /^NAME +MUTATIONS +PARAMKIND +AGE\nteam-label +2 +v1\/ConfigMap +\d+s\n$/);
    assert.match((await ok(['get', 'mutatingadmissionpolicybindings'])).stdout, /^NAME +POLICYNAME +PARAMREF +AGE\nteam-label +team-label +map\/team +\d+s\n$/);

    const bad = `apiVersion: admissionregistration.k8s.io/v1beta1
kind: MutatingAdmissionPolicy
metadata: {name: bad}
spec:
  matchConstraints:
    resourceRules: [{apiGroups: [""], apiVersions: [v1], operations: [DELETE], resources: [configmaps]}]
  reinvocationPolicy: Never
  mutations: [{patchType: JSONPatch, jsonPatch: {expression: "1"}}]
`;
    const refused = await kubectl(['apply', '-f', '-'], bad);
    assert.equal(
      refused.stderr,
      'The MutatingAdmissionPolicy "bad" is invalid: \n* spec.matchConstraints.resourceRules.operations: Unsupported value: "DELETE": supported values: "*", "CONNECT", "CREATE", "UPDATE"\n* spec.mutations[0].jsonPatch.expression: Invalid value: "1": must evaluate to list(JSONPatch) but got int\n',
    );
  });
});
