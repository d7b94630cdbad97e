import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isStatusError, type KubeObject } from '@kapi/api-machinery';
import { convertThroughWebhook, type ConversionClientConfig, type ConversionTransport, type CrdConversion } from './conversion.js';

const conversion: CrdConversion = { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'], clientConfig: { url: 'https://hook.example.com/convert' } } };

interface Review {
  apiVersion: string;
  kind: string;
  request: { uid: string; desiredAPIVersion: string; objects: KubeObject[] };
}

/** A transport whose webhook answers with `answer(review)`; it records what was sent. */
function transport(answer: (review: Review) => unknown): ConversionTransport & { sent: { config: ConversionClientConfig; review: Review; timeoutMs: number }[] } {
  const sent: { config: ConversionClientConfig; review: Review; timeoutMs: number }[] = [];
  return {
    sent,
    post: async (config, review, timeoutMs) => {
      sent.push({ config, review: review as Review, timeoutMs });
      return JSON.stringify(answer(review as Review));
    },
  };
}

/** A webhook that converts by setting apiVersion (and `change` on each object). */
const converting =
  (change: (obj: KubeObject) => void = () => undefined) =>
  (review: Review) => ({
    apiVersion: review.apiVersion,
    kind: 'ConversionReview',
    response: {
      uid: review.request.uid,
      result: { status: 'Success' },
      convertedObjects: review.request.objects.map((o) => {
        const out = { ...structuredClone(o), apiVersion: review.request.desiredAPIVersion };
        change(out);
        return out;
      }),
    },
  });

const sizer = (name: string, apiVersion = 'conv.example.com/v1'): KubeObject => ({
  apiVersion,
  kind: 'Sizer',
  metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '5', labels: { a: 'b' } },
  spec: { size: 'small' },
});

async function failure(promise: Promise<unknown>): Promise<{ message: string; code: number; reason: string }> {
  try {
    await promise;
  } catch (err) {
    assert.ok(isStatusError(err), `a StatusError, not ${String(err)}`);
    const status = err.toStatus();
    return { message: status.message ?? '', code: status.code ?? 0, reason: status.reason ?? '' };
  }
  assert.fail('the conversion succeeded');
}

describe('convertThroughWebhook', () => {
  it('sends the objects not in the desired version in one v1 ConversionReview and keeps the order', async () => {
    const hook = transport(converting((o) => (o.spec = { replicas: 1 })));
    const objects = [sizer('a'), sizer('b', 'conv.example.com/v2'), sizer('c')];
    const out = await convertThroughWebhook(hook, conversion, objects, 'conv.example.com/v2');
    assert.equal(hook.sent.length, 1);
    const { review, config, timeoutMs } = hook.sent[0];
    assert.equal(review.apiVersion, 'apiextensions.k8s.io/v1');
    assert.equal(review.kind, 'ConversionReview');
    assert.equal(review.request.desiredAPIVersion, 'conv.example.com/v2');
    assert.deepEqual(review.request.objects.map((o) => o.metadata?.name), ['a', 'c']);
    assert.match(review.request.uid, /^[0-9a-f-]{36}$/);
    assert.deepEqual(config, conversion.webhook?.clientConfig);
    assert.equal(timeoutMs, 30_000);
    assert.deepEqual(out.map((o) => [o.metadata?.name, o.apiVersion, o.spec]), [
      ['a', 'conv.example.com/v2', { replicas: 1 }],
      ['b', 'conv.example.com/v2', { size: 'small' }],
      ['c', 'conv.example.com/v2', { replicas: 1 }],
    ]);
  });

  it('calls no webhook when every object is in the desired version', async () => {
    const hook = transport(converting());
    const objects = [sizer('a', 'conv.example.com/v2')];
    assert.equal(await convertThroughWebhook(hook, conversion, objects, 'conv.example.com/v2'), objects);
    assert.equal(hook.sent.length, 0);
  });

  it('speaks v1beta1 to a webhook that accepts only that, and refuses one that accepts neither', async () => {
    const hook = transport(converting());
    await convertThroughWebhook(hook, { webhook: { ...conversion.webhook, conversionReviewVersions: ['v2', 'v1beta1'] } }, [sizer('a')], 'conv.example.com/v2');
    assert.equal(hook.sent[0].review.apiVersion, 'apiextensions.k8s.io/v1beta1');
    assert.deepEqual(await failure(convertThroughWebhook(hook, { webhook: { ...conversion.webhook, conversionReviewVersions: ['v2'] } }, [sizer('a')], 'conv.example.com/v2')), {
      message: 'conversion webhook for conv.example.com/v1, Kind=Sizer failed: webhook does not accept v1 or v1beta1 ConversionReview',
      code: 500,
      reason: '',
    });
  });

  it('keeps the original metadata but for the labels and annotations the webhook returns', async () => {
    const hook = transport(
      converting((o) => {
        o.metadata = { ...o.metadata, labels: { converted: 'yes' }, annotations: { note: 'v2' }, resourceVersion: '99', generation: 7 };
      }),
    );
    const [out] = await convertThroughWebhook(hook, conversion, [sizer('a')], 'conv.example.com/v2');
    assert.deepEqual(out.metadata, { name: 'a', namespace: 'default', uid: 'uid-a', resourceVersion: '5', labels: { converted: 'yes' }, annotations: { note: 'v2' } });
  });

  it('refuses what kube refuses, in its words (500, no reason)', async () => {
    const cases: [string, (review: Review) => unknown, string][] = [
      ['a changed name', converting((o) => (o.metadata!.name = 'other')), 'returned invalid object: must have the same name: a != other'],
      ['a changed namespace', converting((o) => (o.metadata!.namespace = 'other')), 'returned invalid object: must have the same namespace: default != other'],
      ['a changed uid', converting((o) => (o.metadata!.uid = 'x')), 'returned invalid object: must have the same UID: uid-a != x'],
      ['another kind', converting((o) => (o.kind = 'Other')), 'returned invalid object: invalid kind (expected Sizer, received Other)'],
      ['another version', converting((o) => (o.apiVersion = 'conv.example.com/v3')), 'returned invalid object: invalid groupVersion (expected conv.example.com/v2, received conv.example.com/v3)'],
      ['an invalid label', converting((o) => (o.metadata!.labels = { a: 'not a label value!' })), 'returned invalid metadata: metadata.labels: Invalid value: "not a label value!"'],
      ['a missing metadata', converting((o) => delete o.metadata), 'returned invalid object: must have the same name: a != '],
      ['another uid', (r) => ({ ...(converting()(r) as object), response: { uid: 'other', result: { status: 'Success' }, convertedObjects: [] } }), 'failed: expected response.uid="'],
      ['a failure', (r) => ({ apiVersion: r.apiVersion, kind: 'ConversionReview', response: { uid: r.request.uid, result: { status: 'Failure', message: 'cannot convert' } } }), 'failed: cannot convert'],
      ['a failure without a message', (r) => ({ apiVersion: r.apiVersion, kind: 'ConversionReview', response: { uid: r.request.uid, result: { status: 'Failure' } } }), "failed: response.result.status was 'Failure', not 'Success'"],
      ['no response', (r) => ({ apiVersion: r.apiVersion, kind: 'ConversionReview' }), 'failed: no response provided'],
      ['another kind of answer', () => ({ apiVersion: 'v1', kind: 'Status' }), 'failed: expected webhook response of apiextensions.k8s.io/v1, Kind=ConversionReview, got v1, Kind=Status'],
      ['too few objects', (r) => ({ apiVersion: r.apiVersion, kind: 'ConversionReview', response: { uid: r.request.uid, result: { status: 'Success' }, convertedObjects: [] } }), 'returned 0 objects, expected 1'],
    ];
    for (const [what, answer, words] of cases) {
      const result = await failure(convertThroughWebhook(transport(answer), conversion, [sizer('a')], 'conv.example.com/v2'));
      assert.ok(result.message.startsWith(`conversion webhook for conv.example.com/v1, Kind=Sizer ${words}`), `${what}: ${result.message}`);
      assert.equal(result.code, 500, what);
      assert.equal(result.reason, '', what);
    }
  });

  it('names the index of a list object it refuses', async () => {
    const hook = transport(converting((o) => o.metadata?.name === 'b' && (o.metadata.name = 'x')));
    const result = await failure(convertThroughWebhook(hook, conversion, [sizer('a'), sizer('b')], 'conv.example.com/v2'));
    assert.equal(result.message, 'conversion webhook for conv.example.com/v1, Kind=Sizer returned invalid converted object at index 1: must have the same name: b != x');
  });

  it('passes a call failure on in kube words', async () => {
    const down: ConversionTransport = {
      post: async () => {
        throw new Error('Post "https://127.0.0.1:1/convert?timeout=30s": dial tcp 127.0.0.1:1: connect: connection refused');
      },
    };
    assert.deepEqual(await failure(convertThroughWebhook(down, conversion, [sizer('a', 'conv.example.com/v2')], 'conv.example.com/v1')), {
      message: 'conversion webhook for conv.example.com/v2, Kind=Sizer failed: Post "https://127.0.0.1:1/convert?timeout=30s": dial tcp 127.0.0.1:1: connect: connection refused',
      code: 500,
      reason: '',
    });
  });
});
