import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError, type KubeObject } from '@kapi/api-machinery';
import { AdmissionChain, type AdmissionPlugin } from '@kapi/admission-chain';
import { WebhookCallFailure } from '@kapi/webhook-client';
import { MutatingAdmissionWebhook } from './mutating.js';
import { admitWithReinvocation } from './reinvocation.js';
import { configMap, configuration, fakeTransport, jsonPatch, options, request, testMetrics, webhook, type FakeCall } from './test-support.fixture.js';
import type { EquivalentResourceMapper } from './versions.js';

const addLabel = (key: string, value = 'yes') => jsonPatch([{ op: 'add', path: `/metadata/labels/${key}`, value }]);
const labels = (o: KubeObject | undefined) => o?.metadata?.labels;

describe('MutatingAdmissionWebhook: selection and order', () => {
  it('calls configurations by name and their webhooks in list order, each on the object the one before left', async () => {
    const seen: string[] = [];
    const transport = fakeTransport((call) => {
      seen.push(`${call.webhook}:${Object.keys(call.review.request.object.metadata.labels).join(',')}`);
      return addLabel(call.webhook);
    });
    const plugin = MutatingAdmissionWebhook(
      options([configuration('b-config', [webhook('b1.example.com'), webhook('b2.example.com')]), configuration('a-config', [webhook('a1.example.com')])], transport),
    );
    const out = await plugin.admit!(request('CREATE', configMap('cm', { orig: '1' })));
    assert.deepEqual(seen, ['a1.example.com:orig', 'b1.example.com:orig,a1.example.com', 'b2.example.com:orig,a1.example.com,b1.example.com']);
    assert.deepEqual(labels(out), { orig: '1', 'a1.example.com': 'yes', 'b1.example.com': 'yes', 'b2.example.com': 'yes' });
  });

  it('handles every operation and leaves an object no webhook changed as it was', async () => {
    const plugin = MutatingAdmissionWebhook(options([configuration('c', [webhook('w.example.com')])], fakeTransport(() => ({ allowed: true }))));
    for (const op of ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'] as const) assert.equal(plugin.handles(op), true);
    const cm = configMap();
    assert.equal(await plugin.admit!(request('CREATE', cm)), cm);
  });

  it('sends nothing for webhook configurations, policies and the system namespaces; the exemption can be turned off', async () => {
    const transport = fakeTransport(() => ({ allowed: true }));
    const any = webhook('all.example.com', { rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }] });
    const plugin = MutatingAdmissionWebhook(options([configuration('c', [any])], transport));
    await plugin.admit!(
      request('CREATE', { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'v' } }, {
        kind: { group: 'admissionregistration.k8s.io', version: 'v1', kind: 'ValidatingWebhookConfiguration' },
        resource: { group: 'admissionregistration.k8s.io', version: 'v1', resource: 'validatingwebhookconfigurations', namespace: '' },
      }),
    );
    const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'apiserver-x', namespace: 'kube-system' } };
    const leaseRequest = request('UPDATE', lease, {
      kind: { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' },
      resource: { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace: 'kube-system' },
    });
    await plugin.admit!(leaseRequest);
    const kubeSystem = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } };
    await plugin.admit!(request('UPDATE', kubeSystem, { kind: { group: '', version: 'v1', kind: 'Namespace' }, resource: { group: '', version: 'v1', resource: 'namespaces', namespace: '' }, name: 'kube-system' }));
    assert.equal(transport.calls.length, 0);
    const kubeBehaviour = MutatingAdmissionWebhook(options([configuration('c', [any])], transport, { exemptNamespaces: [] }, { 'kube-system': {} }));
    await kubeBehaviour.admit!(leaseRequest);
    assert.equal(transport.calls.length, 1);
  });

  it('selects by namespace labels, a Namespace by its own new labels, and answers 404 for a namespace that does not exist', async () => {
    const transport = fakeTransport(() => ({ allowed: true }));
    const prod = webhook('prod.example.com', {
      namespaceSelector: { matchLabels: { env: 'prod' } },
      rules: [{ operations: ['*'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps', 'namespaces'] }],
    });
    const plugin = MutatingAdmissionWebhook(options([configuration('c', [prod])], transport, {}, { team: { env: 'dev' }, shop: { env: 'prod' } }));
    await plugin.admit!(request('CREATE', configMap()));
    assert.equal(transport.calls.length, 0);
    await plugin.admit!(request('CREATE', configMap(), { resource: { group: '', version: 'v1', resource: 'configmaps', namespace: 'shop' } }));
    assert.equal(transport.calls.length, 1);
    const ns = (env: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team', labels: { env } } });
    const nsRequest = (env: string) =>
      request('UPDATE', ns(env), { kind: { group: '', version: 'v1', kind: 'Namespace' }, resource: { group: '', version: 'v1', resource: 'namespaces', namespace: '' }, name: 'team' });
    await plugin.admit!(nsRequest('prod'));
    assert.equal(transport.calls.length, 2, 'the Namespace is matched by the labels it is written with');
    await plugin.admit!(nsRequest('dev'));
    assert.equal(transport.calls.length, 2);
    await assert.rejects(plugin.admit!(request('CREATE', configMap(), { resource: { group: '', version: 'v1', resource: 'configmaps', namespace: 'gone' } })), (err: unknown) => {
      assert.ok(err instanceof StatusError);
      assert.deepEqual([err.httpCode, err.message], [404, 'namespaces "gone" not found']);
      return true;
    });
  });

  it("selects by the new object's labels or the old one's", async () => {
    const transport = fakeTransport(() => ({ allowed: true }));
    const plugin = MutatingAdmissionWebhook(options([configuration('c', [webhook('o.example.com', { objectSelector: { matchExpressions: [{ key: 'watched', operator: 'Exists' }] } })])], transport));
    await plugin.admit!(request('CREATE', configMap()));
    assert.equal(transport.calls.length, 0);
    await plugin.admit!(request('CREATE', configMap('cm', { watched: '' })));
    await plugin.admit!(request('UPDATE', configMap(), { oldObject: configMap('cm', { watched: '' }) }));
    await plugin.admit!(request('DELETE', configMap('cm', { watched: '' })));
    assert.equal(transport.calls.length, 3);
  });

  it('skips a webhook whose match condition is false, and forbids the request when one fails under Fail', async () => {
    const m = testMetrics();
    const transport = fakeTransport(() => ({ allowed: true }));
    const conditions = [{ name: 'only-labelled', expression: "has(object.metadata.labels.x)" }];
    let result: { name: string; value: boolean } | { name: string; error: string } = { name: 'only-labelled', value: false };
    const evaluator = { evaluate: async () => [result] };
    const plugin = MutatingAdmissionWebhook(options([configuration('c', [webhook('mc.example.com', { matchConditions: conditions })])], transport, { matchConditions: evaluator, metrics: m.metrics }));
    await plugin.admit!(request('CREATE', configMap()));
    assert.equal(transport.calls.length, 0);
    assert.deepEqual(m.lines('apiserver_admission_match_condition_exclusions_total'), [
      'apiserver_admission_match_condition_exclusions_total{kind="webhook",name="mc.example.com",operation="CREATE",type="admit"} 1',
    ]);
    result = { name: 'only-labelled', value: true };
    await plugin.admit!(request('CREATE', configMap()));
    assert.equal(transport.calls.length, 1);
    result = { name: 'only-labelled', error: "expression 'has(object.metadata.labels.x)' resulted in error: boom" };
    await assert.rejects(plugin.admit!(request('CREATE', configMap('c-6czsq'))), (err: unknown) => {
      assert.ok(err instanceof StatusError);
      assert.deepEqual(JSON.parse(JSON.stringify(err.toStatus())), {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: "configmaps \"c-6czsq\" is forbidden: expression 'has(object.metadata.labels.x)' resulted in error: boom",
        reason: 'Forbidden',
        details: { name: 'c-6czsq', kind: 'configmaps' },
        code: 403,
      });
      return true;
    });
  });
});

describe('MutatingAdmissionWebhook: matchPolicy', () => {
  const deployments = (version: string) => ({ group: 'apps', version, resource: 'deployments' });
  const mapper: EquivalentResourceMapper = {
    equivalentResourcesFor: (r) => (r.group === 'apps' && r.resource === 'deployments' ? [deployments('v1'), deployments('v1beta1')] : [r]),
    kindFor: (r) => ({ group: r.group, version: r.version, kind: 'Deployment' }),
  };
  const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'team', labels: {} }, spec: { replicas: 1 } };
  const deploymentRequest = () =>
    request('CREATE', deployment, { kind: { group: 'apps', version: 'v1', kind: 'Deployment' }, resource: { group: 'apps', version: 'v1', resource: 'deployments', namespace: 'team' } });
  const v1beta1Rule = [{ operations: ['CREATE'], apiGroups: ['apps'], apiVersions: ['v1beta1'], resources: ['deployments'] }];

  it('with Equivalent, calls a webhook for another version of the resource with the object converted, and converts its result back', async () => {
    const transport = fakeTransport((call) => {
      assert.equal(call.review.request.object.apiVersion, 'apps/v1beta1');
      return addLabel('seen');
    });
    const plugin = MutatingAdmissionWebhook(options([configuration('c', [webhook('eq.example.com', { rules: v1beta1Rule })])], transport, { equivalentResources: mapper }));
    const out = await plugin.admit!(deploymentRequest());
    const sent = transport.calls[0].review.request;
    assert.deepEqual([sent.kind, sent.resource, sent.requestKind, sent.requestResource], [
      { group: 'apps', version: 'v1beta1', kind: 'Deployment' },
      deployments('v1beta1'),
      { group: 'apps', version: 'v1', kind: 'Deployment' },
      deployments('v1'),
    ]);
    assert.equal(out?.apiVersion, 'apps/v1');
    assert.deepEqual(labels(out), { seen: 'yes' });
  });

  it('with Exact, matches only the resource requested', async () => {
    const transport = fakeTransport(() => addLabel('seen'));
    const plugin = MutatingAdmissionWebhook(options([configuration('c', [webhook('ex.example.com', { rules: v1beta1Rule, matchPolicy: 'Exact' })])], transport, { equivalentResources: mapper }));
    await plugin.admit!(deploymentRequest());
    assert.equal(transport.calls.length, 0);
  });
});

describe('MutatingAdmissionWebhook: patches', () => {
  it('applies a JSON patch, re-defaults the result and records that it mutated', async () => {
    const defaulted: unknown[] = [];
    const plugin = MutatingAdmissionWebhook(
      options([configuration('c', [webhook('p.example.com'), webhook('noop.example.com')])], fakeTransport((call) => (call.webhook === 'p.example.com' ? addLabel('patched') : { allowed: true })), {
        defaulter: (object, kind) => {
          defaulted.push(kind);
          return { ...object, data: { ...(object.data as object), defaulted: 'true' } };
        },
      }),
    );
    const attributes = request('CREATE', configMap());
    const out = await plugin.admit!(attributes);
    assert.deepEqual(labels(out), { patched: 'yes' });
    assert.deepEqual(out?.data, { a: 'b', defaulted: 'true' });
    assert.deepEqual(defaulted, [{ group: '', version: 'v1', kind: 'ConfigMap' }]);
    assert.deepEqual(attributes.recorder.annotations, {
      'mutation.webhook.admission.k8s.io/round_0_index_0': '{"configuration":"c","webhook":"p.example.com","mutated":true}',
      'mutation.webhook.admission.k8s.io/round_0_index_1': '{"configuration":"c","webhook":"noop.example.com","mutated":false}',
    });
  });

  it("refuses a patch of a delete, a patch that does not apply, and one that is not a JSON patch, in kube's words", async () => {
    const run = async (answer: Record<string, unknown>, op: 'CREATE' | 'DELETE' = 'CREATE') => {
      const plugin = MutatingAdmissionWebhook(options([configuration('c', [webhook('p.example.com')])], fakeTransport(() => answer), { describeDuration: false }));
      try {
        await plugin.admit!(request(op, configMap()));
      } catch (err) {
        assert.ok(err instanceof StatusError);
        return [err.httpCode, err.message];
      }
      return 'admitted';
    };
    assert.deepEqual(await run(addLabel('x'), 'DELETE'), [500, 'Internal error occurred: admission webhook "p.example.com" attempted to modify the object, which is not supported for this operation']);
    assert.deepEqual(await run(jsonPatch([{ op: 'replace', path: '/metadata/nothere/x', value: 'yes' }])), [500, 'Internal error occurred: doc is missing path: "/metadata/nothere/x"']);
    assert.deepEqual(await run({ allowed: true, patchType: 'JSONPatch', patch: Buffer.from('not json').toString('base64') }), [
      500,
      'Internal error occurred: failed calling webhook "p.example.com": received undecodable patch in webhook response: invalid character \'n\' looking for beginning of value',
    ]);
    assert.deepEqual(await run({ allowed: true, patchType: 'MergePatch', patch: Buffer.from('{}').toString('base64') }), [
      500,
      'Internal error occurred: failed calling webhook "p.example.com": received undecodable patch in webhook response: json: cannot unmarshal object into Go value of type jsonpatch.Patch',
    ]);
    assert.deepEqual(await run({ allowed: true, patchType: 'MergePatch', patch: Buffer.from('[{"op":"add","path":"/data/x","value":"y"}]').toString('base64') }), [
      500,
      'Internal error occurred: failed calling webhook "p.example.com": unsupported patch type "MergePatch"',
    ]);
    assert.equal(await run(jsonPatch([])), 'admitted');
  });

  it('names the webhook and its time after a patch that does not apply', async () => {
    let t = 0;
    const plugin = MutatingAdmissionWebhook(
      options([configuration('c', [webhook('p.example.com')])], fakeTransport(() => ((t += 1234), jsonPatch([{ op: 'remove', path: '/nothere' }]))), { now: () => t }),
    );
    await assert.rejects(plugin.admit!(request('CREATE', configMap())), { message: 'Internal error occurred: doc is missing path: "/nothere" (webhook "p.example.com", after 1.234s)' });
  });
});

describe('MutatingAdmissionWebhook: failures', () => {
  const down = () => new WebhookCallFailure('Post "https://hooks.example.com/w?timeout=10s": dial tcp 127.0.0.1:1: connect: connection refused', 503);

  it('fails the request with 500 under Fail, naming the webhook and how long it took', async () => {
    const m = testMetrics();
    let t = 1000;
    const plugin = MutatingAdmissionWebhook(options([configuration('c', [webhook('down.example.com')])], fakeTransport(() => ((t += 250), down())), { metrics: m.metrics, now: () => t }));
    await assert.rejects(plugin.admit!(request('CREATE', configMap())), (err: unknown) => {
      assert.ok(err instanceof StatusError);
      assert.equal(err.httpCode, 500);
      assert.equal(err.reason, 'InternalError');
      assert.equal(
        err.message,
        'Internal error occurred: failed calling webhook "down.example.com": failed to call webhook: Post "https://hooks.example.com/w?timeout=10s": dial tcp 127.0.0.1:1: connect: connection refused (after 0.250s)',
      );
      return true;
    });
    assert.deepEqual(m.lines('apiserver_admission_webhook_rejection_count'), [
      'apiserver_admission_webhook_rejection_count{error_type="calling_webhook_error",name="down.example.com",operation="CREATE",rejection_code="503",type="admit"} 1',
    ]);
    assert.deepEqual(m.lines('apiserver_admission_webhook_request_total'), [
      'apiserver_admission_webhook_request_total{code="503",name="down.example.com",operation="CREATE",rejected="true",type="admit"} 1',
    ]);
  });

  it("keeps kube's words alone when describeDuration is off", async () => {
    const plugin = MutatingAdmissionWebhook(options([configuration('c', [webhook('down.example.com')])], fakeTransport(() => down()), { describeDuration: false }));
    await assert.rejects(plugin.admit!(request('CREATE', configMap())), {
      message: 'Internal error occurred: failed calling webhook "down.example.com": failed to call webhook: Post "https://hooks.example.com/w?timeout=10s": dial tcp 127.0.0.1:1: connect: connection refused',
    });
  });

  it('fails open under Ignore: counted, annotated, and the next webhook still runs', async () => {
    const m = testMetrics();
    const transport = fakeTransport((call) => (call.webhook === 'down.example.com' ? down() : addLabel('after')));
    const plugin = MutatingAdmissionWebhook(options([configuration('c', [webhook('down.example.com', { failurePolicy: 'Ignore' }), webhook('after.example.com')])], transport, { metrics: m.metrics }));
    const attributes = request('CREATE', configMap());
    const out = await plugin.admit!(attributes);
    assert.deepEqual(labels(out), { after: 'yes' });
    assert.equal(attributes.recorder.annotations['failed-open.mutation.webhook.admission.k8s.io/round_0_index_0'], 'down.example.com');
    assert.deepEqual(m.lines('apiserver_admission_webhook_fail_open_count'), ['apiserver_admission_webhook_fail_open_count{name="down.example.com",type="admit"} 1']);
    assert.deepEqual(m.lines('apiserver_admission_webhook_rejection_count'), []);
    assert.deepEqual(m.lines('apiserver_admission_webhook_request_total'), [
      'apiserver_admission_webhook_request_total{code="503",name="down.example.com",operation="CREATE",rejected="false",type="admit"} 1',
      'apiserver_admission_webhook_request_total{code="200",name="after.example.com",operation="CREATE",rejected="false",type="admit"} 1',
    ]);
  });

  it("answers with the webhook's denial and stops there", async () => {
    const m = testMetrics();
    const transport = fakeTransport(() => ({ allowed: false, status: { code: 403, reason: 'Forbidden', message: 'no owner' } }));
    const plugin = MutatingAdmissionWebhook(options([configuration('c', [webhook('deny.example.com'), webhook('never.example.com')])], transport, { metrics: m.metrics }));
    await assert.rejects(plugin.admit!(request('CREATE', configMap())), (err: unknown) => {
      assert.ok(err instanceof StatusError);
      assert.deepEqual([err.httpCode, err.reason, err.message], [403, 'Forbidden', 'admission webhook "deny.example.com" denied the request: no owner']);
      return true;
    });
    assert.deepEqual(transport.calls.map((c) => c.webhook), ['deny.example.com']);
    assert.deepEqual(m.lines('apiserver_admission_webhook_rejection_count'), [
      'apiserver_admission_webhook_rejection_count{error_type="no_error",name="deny.example.com",operation="CREATE",rejection_code="403",type="admit"} 1',
    ]);
  });

  it('refuses a dry run to a webhook with side effects, and tells the others it is one', async () => {
    const transport = fakeTransport(() => ({ allowed: true }));
    const plugin = MutatingAdmissionWebhook(options([configuration('c', [webhook('safe.example.com', { sideEffects: 'NoneOnDryRun' }), webhook('some.example.com', { sideEffects: 'Some' })])], transport));
    await assert.rejects(plugin.admit!(request('CREATE', configMap(), { dryRun: true })), (err: unknown) => {
      assert.ok(err instanceof StatusError);
      assert.deepEqual([err.httpCode, err.reason, err.message], [400, 'BadRequest', 'admission webhook "some.example.com" does not support dry run']);
      return true;
    });
    assert.equal(transport.calls.length, 1);
    assert.equal(transport.calls[0].review.request.dryRun, true);
  });

  it('passes warnings to the recorder and keeps audit annotations under the webhook\'s name', async () => {
    const transport = fakeTransport(() => ({ allowed: true, warnings: ['first "warning"', 'second\nline'], auditAnnotations: { key1: 'v1', 'Bad Key': 'v2' } }));
    const attributes = request('CREATE', configMap());
    await MutatingAdmissionWebhook(options([configuration('c', [webhook('warn.example.com')])], transport)).admit!(attributes);
    // As the webhook sent them: what a header cannot carry is the front door's recorder's to drop.
    assert.deepEqual(attributes.recorder.warnings, ['first "warning"', 'second\nline']);
    assert.equal(attributes.recorder.annotations['warn.example.com/key1'], 'v1');
    assert.equal(Object.keys(attributes.recorder.annotations).some((k) => k.includes('Bad Key')), false);
  });
});

describe('MutatingAdmissionWebhook: the request deadline', () => {
  it('cuts each call to what the request has left, and skips an Ignore webhook when nothing is left', async () => {
    let t = 0;
    const timeouts: number[] = [];
    const transport = fakeTransport((call: FakeCall) => {
      timeouts.push(call.timeoutMs);
      if (call.timeoutMs <= 0) return new WebhookCallFailure('Post "https://hooks.example.com/x": context deadline exceeded', 503);
      t += call.timeoutMs; // every webhook times out
      return new WebhookCallFailure(`Post "https://hooks.example.com/x?timeout=${call.timeoutMs / 1000}s": context deadline exceeded`, 503);
    });
    const ignore = (n: number) => webhook(`slow${n}.example.com`, { failurePolicy: 'Ignore', timeoutSeconds: 20 });
    const plugin = MutatingAdmissionWebhook(
      options([configuration('c', [ignore(1), ignore(2), ignore(3), ignore(4)])], transport, { deadline: () => 60_000, deadlineReserveMs: 5_000, now: () => t }),
    );
    const out = await plugin.admit!(request('CREATE', configMap()));
    // 20 s, 20 s, then the 15 s left before the reserve, then nothing: the request is answered in time.
    assert.deepEqual(timeouts, [20_000, 20_000, 15_000, 0]);
    assert.ok(out);
  });

  it('answers kube\'s Timeout when a Fail webhook fails as the webhooks\' share of the request runs out; before, in kube\'s words', async () => {
    let t = 0;
    const transport = fakeTransport((call: FakeCall) => {
      t += Math.max(0, call.timeoutMs);
      return new WebhookCallFailure(`Post "https://hooks.example.com/x?timeout=${Math.ceil(call.timeoutMs / 1000)}s": context deadline exceeded`, 503);
    });
    const slow = (timeoutSeconds: number, failurePolicy: string) => webhook(`slow-${failurePolicy}.example.com`, { failurePolicy, timeoutSeconds });
    // An Ignore webhook takes 30 s of a 34 s deadline; the Fail one after it gets the 2 s left before the reserve.
    const cut = MutatingAdmissionWebhook(options([configuration('c', [slow(30, 'Ignore'), slow(30, 'Fail')])], transport, { deadline: () => 34_000, deadlineReserveMs: 2_000, now: () => t }));
    await assert.rejects(cut.admit!(request('CREATE', configMap())), (err: unknown) => {
      assert.ok(err instanceof StatusError);
      assert.equal(err.httpCode, 504);
      assert.equal(err.message, 'Timeout: request did not complete within requested timeout - context deadline exceeded');
      return true;
    });
    // A Fail webhook that times out on its own timeout, with time left: kube's 500.
    t = 0;
    const own = MutatingAdmissionWebhook(options([configuration('c', [slow(2, 'Fail')])], transport, { deadline: () => 34_000, deadlineReserveMs: 2_000, now: () => t }));
    await assert.rejects(own.admit!(request('CREATE', configMap())), (err: unknown) => err instanceof StatusError && err.httpCode === 500 && err.message.startsWith('Internal error occurred: failed calling webhook "slow-Fail.example.com": failed to call webhook: Post "https://hooks.example.com/x?timeout=2s": context deadline exceeded'));
  });

  it('answers Timeout when an Ignore webhook used up the request itself, as kube does', async () => {
    let t = 0;
    const transport = fakeTransport(() => ((t = 61_000), new WebhookCallFailure('Post "x": context deadline exceeded', 503)));
    const plugin = MutatingAdmissionWebhook(options([configuration('c', [webhook('slow.example.com', { failurePolicy: 'Ignore' })])], transport, { deadline: () => 60_000, now: () => t }));
    await assert.rejects(plugin.admit!(request('CREATE', configMap())), { message: 'Timeout: request did not complete within requested timeout' });
  });
});

describe('MutatingAdmissionWebhook: reinvocation', () => {
  it('calls an IfNeeded webhook once more when a later one changed the object, and a Never one not', async () => {
    const transport = fakeTransport((call) => (call.webhook === 'changer.example.com' && !call.review.request.object.metadata.labels.changed ? addLabel('changed') : { allowed: true }));
    const plugin = MutatingAdmissionWebhook(
      options([configuration('c', [webhook('again.example.com', { reinvocationPolicy: 'IfNeeded' }), webhook('once.example.com'), webhook('changer.example.com')])], transport),
    );
    const attributes = request('CREATE', configMap());
    await plugin.admit!(attributes);
    assert.deepEqual(
      transport.calls.map((c) => c.webhook),
      ['again.example.com', 'once.example.com', 'changer.example.com', 'again.example.com'],
    );
    assert.equal(transport.calls[3].review.request.object.metadata.labels.changed, 'yes');
    assert.equal(attributes.recorder.annotations['mutation.webhook.admission.k8s.io/round_1_index_0'], '{"configuration":"c","webhook":"again.example.com","mutated":false}');
  });

  it('reinvokes nothing when no webhook changed the object', async () => {
    const transport = fakeTransport(() => ({ allowed: true }));
    const plugin = MutatingAdmissionWebhook(options([configuration('c', [webhook('a.example.com', { reinvocationPolicy: 'IfNeeded' }), webhook('b.example.com')])], transport));
    await plugin.admit!(request('CREATE', configMap()));
    assert.equal(transport.calls.length, 2);
  });

  it("in the chain's second run, reinvokes IfNeeded webhooks a built-in plugin's change reached, as kube does", async () => {
    const transport = fakeTransport((call) => (call.webhook === 'first.example.com' && !call.review.request.object.metadata.labels.first ? addLabel('first') : { allowed: true }));
    const webhooks = MutatingAdmissionWebhook(options([configuration('c', [webhook('first.example.com'), webhook('later.example.com', { reinvocationPolicy: 'IfNeeded' })])], transport));
    // A built-in plugin after the webhooks that changes the object (as a default would).
    let builtinRuns = 0;
    const builtin: AdmissionPlugin = {
      name: 'Builtin',
      handles: () => true,
      admit: async (a) => (builtinRuns++, { ...a.object, metadata: { ...a.object?.metadata, labels: { ...a.object?.metadata?.labels, builtin: String(builtinRuns) } } }),
    };
    const chain = new AdmissionChain().register(webhooks).register(builtin);
    const out = await admitWithReinvocation(request('CREATE', configMap()), (a) => chain.mutate(a));
    // Round 1: first (changes), later; round 2: the built-in's change since later ran brings later back.
    assert.deepEqual(transport.calls.map((c) => c.webhook), ['first.example.com', 'later.example.com', 'later.example.com']);
    assert.equal(builtinRuns, 2);
    assert.deepEqual(labels(out), { first: 'yes', builtin: '2' });
  });

  it("in the chain's second run, calls no webhook the first round did not", async () => {
    const transport = fakeTransport((call) => (call.webhook === 'changer.example.com' && !call.review.request.object.metadata.labels.changed ? addLabel('changed') : { allowed: true }));
    const selective = webhook('labelled.example.com', { reinvocationPolicy: 'IfNeeded', objectSelector: { matchLabels: { changed: 'yes' } } });
    const plugin = MutatingAdmissionWebhook(options([configuration('a', [selective]), configuration('b', [webhook('changer.example.com')])], transport));
    const chain = new AdmissionChain().register(plugin);
    await admitWithReinvocation(request('CREATE', configMap()), (a) => chain.mutate(a));
    assert.deepEqual(transport.calls.map((c) => c.webhook), ['changer.example.com']);
  });
});

describe('MutatingAdmissionWebhook: connections', () => {
  it("tells the clients which webhooks' connections are still in use when the configurations change", async () => {
    const transport = fakeTransport(() => ({ allowed: true }));
    const plugin = MutatingAdmissionWebhook(options([configuration('c', [webhook('a.example.com'), webhook('b.example.com', { clientConfig: { service: { name: 's', namespace: 'n' } } })], '7')], transport));
    await plugin.admit!(request('CREATE', configMap()));
    assert.deepEqual(transport.retained.get('MutatingAdmissionWebhook'), [{ url: 'https://hooks.example.com/a.example.com' }, { service: { name: 's', namespace: 'n' } }]);
  });
});
