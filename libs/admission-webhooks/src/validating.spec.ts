import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '@kapi/api-machinery';
import { WebhookCallFailure } from '@kapi/webhook-client';
import { ValidatingAdmissionWebhook } from './validating.js';
import { configMap, configuration, fakeTransport, jsonPatch, options, request, testMetrics, webhook } from './test-support.fixture.js';

describe('ValidatingAdmissionWebhook', () => {
  it('calls every selected webhook at once', async () => {
    let release!: () => void;
    const allArrived = new Promise<void>((r) => (release = r));
    const transport = fakeTransport(async () => {
      if (transport.calls.length === 3) release();
      await allArrived; // each answer waits for the others to have been asked
      return { allowed: true };
    });
    const plugin = ValidatingAdmissionWebhook(options([configuration('c', [webhook('a.example.com'), webhook('b.example.com'), webhook('c.example.com')])], transport));
    await plugin.validate!(request('CREATE', configMap()));
    assert.equal(transport.calls.length, 3);
  });

  it('answers with the first failure to arrive once all have answered', async () => {
    const m = testMetrics();
    let answered = 0;
    const transport = fakeTransport(async (call) => {
      // The second webhook answers first.
      if (call.webhook === 'first.example.com') await new Promise((r) => setTimeout(r, 20));
      answered++;
      return { allowed: false, status: { message: `no from ${call.webhook}` } };
    });
    const plugin = ValidatingAdmissionWebhook(options([configuration('c', [webhook('first.example.com'), webhook('second.example.com')])], transport, { metrics: m.metrics }));
    await assert.rejects(plugin.validate!(request('CREATE', configMap())), (err: unknown) => {
      assert.ok(err instanceof StatusError);
      assert.deepEqual([err.httpCode, err.message], [400, 'admission webhook "second.example.com" denied the request: no from second.example.com']);
      return true;
    });
    assert.equal(answered, 2);
    assert.deepEqual(m.lines('apiserver_admission_webhook_rejection_count'), [
      'apiserver_admission_webhook_rejection_count{error_type="no_error",name="second.example.com",operation="CREATE",rejection_code="400",type="validating"} 1',
      'apiserver_admission_webhook_rejection_count{error_type="no_error",name="first.example.com",operation="CREATE",rejection_code="400",type="validating"} 1',
    ]);
  });

  it('refuses a patch from a validating webhook as a failed call', async () => {
    const plugin = ValidatingAdmissionWebhook(options([configuration('c', [webhook('patch.example.com')])], fakeTransport(() => jsonPatch([])), { describeDuration: false }));
    await assert.rejects(plugin.validate!(request('CREATE', configMap())), {
      message: 'Internal error occurred: failed calling webhook "patch.example.com": received invalid webhook response: validating webhook may not return response.patch',
    });
  });

  it('fails open under Ignore, annotated by its place among the webhooks called', async () => {
    const m = testMetrics();
    const transport = fakeTransport((call) => (call.webhook === 'down.example.com' ? new WebhookCallFailure('Post "x": EOF', 503) : { allowed: true }));
    const skipped = webhook('skipped.example.com', { objectSelector: { matchLabels: { never: 'true' } } });
    const plugin = ValidatingAdmissionWebhook(options([configuration('c', [skipped, webhook('ok.example.com'), webhook('down.example.com', { failurePolicy: 'Ignore' })])], transport, { metrics: m.metrics }));
    const attributes = request('UPDATE', configMap());
    await plugin.validate!(attributes);
    assert.deepEqual(attributes.recorder.annotations, { 'failed-open.validating.webhook.admission.k8s.io/round_0_index_1': 'down.example.com' });
    assert.deepEqual(m.lines('apiserver_admission_webhook_fail_open_count'), ['apiserver_admission_webhook_fail_open_count{name="down.example.com",type="validating"} 1']);
  });

  it('sends the request and its objects as they are, without validating webhooks changing anything', async () => {
    const transport = fakeTransport(() => ({ allowed: true, warnings: ['careful'] }));
    const plugin = ValidatingAdmissionWebhook(options([configuration('c', [webhook('v.example.com')])], transport));
    const old = configMap('cm', { v: '1' });
    const attributes = request('UPDATE', configMap('cm', { v: '2' }), { oldObject: old });
    await plugin.validate!(attributes);
    const sent = transport.calls[0].review.request;
    assert.deepEqual([sent.operation, sent.object.metadata.labels, sent.oldObject.metadata.labels], ['UPDATE', { v: '2' }, { v: '1' }]);
    assert.deepEqual(attributes.recorder.warnings, ['careful']);
  });

  it('answers Timeout when the request is past its deadline before any webhook is called', async () => {
    const transport = fakeTransport(() => ({ allowed: true }));
    const plugin = ValidatingAdmissionWebhook(options([configuration('c', [webhook('v.example.com')])], transport, { deadline: () => 1000, now: () => 2000 }));
    await assert.rejects(plugin.validate!(request('CREATE', configMap())), { message: 'Timeout: request did not complete within requested timeout' });
    assert.equal(transport.calls.length, 0);
  });

  it('answers kube\'s Timeout when a Fail webhook fails as the webhooks\' share of the request runs out', async () => {
    let t = 10_000;
    const transport = fakeTransport((call) => ((t += Math.max(0, call.timeoutMs)), new WebhookCallFailure('Post "https://hooks.example.com/v?timeout=4s": context deadline exceeded', 503)));
    // 10 s into a 16 s deadline, 2 s kept back: the webhook (10 s of its own) has 4 s, and fails with them.
    const plugin = ValidatingAdmissionWebhook(options([configuration('c', [webhook('v.example.com')])], transport, { deadline: () => 16_000, deadlineReserveMs: 2_000, now: () => t }));
    await assert.rejects(plugin.validate!(request('CREATE', configMap())), { message: 'Timeout: request did not complete within requested timeout - context deadline exceeded' });
    assert.deepEqual(
      transport.calls.map((c) => c.timeoutMs),
      [4_000],
    );
  });

  it('counts a webhook its condition excluded as kube-apiserver v1.34 does: the exclusion under "validate", the evaluation under "validating"', async () => {
    const m = testMetrics();
    const evaluator = { evaluate: async () => [{ name: 'never', value: false }] };
    const conditions = [{ name: 'never', expression: 'false' }];
    const plugin = ValidatingAdmissionWebhook(options([configuration('c', [webhook('mc.example.com', { matchConditions: conditions })])], fakeTransport(() => ({ allowed: true })), { matchConditions: evaluator, metrics: m.metrics }));
    await plugin.validate!(request('CREATE', configMap()));
    assert.deepEqual(m.lines('apiserver_admission_match_condition_exclusions_total'), [
      'apiserver_admission_match_condition_exclusions_total{kind="webhook",name="mc.example.com",operation="CREATE",type="validate"} 1',
    ]);
    assert.deepEqual(m.lines('apiserver_admission_match_condition_evaluation_seconds_count'), [
      'apiserver_admission_match_condition_evaluation_seconds_count{kind="webhook",name="mc.example.com",operation="CREATE",type="validating"} 1',
    ]);
  });

  it('handles every operation and validates only', () => {
    const plugin = ValidatingAdmissionWebhook(options([], fakeTransport(() => ({ allowed: true }))));
    assert.equal(plugin.name, 'ValidatingAdmissionWebhook');
    assert.equal(plugin.admit, undefined);
    for (const op of ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'] as const) assert.equal(plugin.handles(op), true);
  });
});
