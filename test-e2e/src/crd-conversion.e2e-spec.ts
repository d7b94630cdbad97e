// CRD conversion webhooks against a real HTTPS webhook: a CRD with two versions of different shapes
// (v1 `spec.size` "small"|"large", v2 `spec.replicas` 1|3) stored in v1 is written and read in both
// versions, listed and watched in v2 (the watch cache converting through the webhook), and kubectl
// reads it in either; a webhook named by a Service is reached through its EndpointSlice; an
// admission webhook whose rule names v1 sees a v2 write converted by the webhook; a webhook
// that renames the object and a webhook that is down answer as kube-apiserver v1.34.2 answers (500,
// `conversion webhook for <gvk> failed: ...`, asked of it).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allow, validating, type AdmissionRequest } from '@kapi/admission-webhook-kit';
import { apiRequest, collectWatch, eventually, startTestStack, type TestStack } from './harness.js';
import { startConversionWebhook, startWebhookServer, webhookConfiguration, type TestConversionWebhook, type TestWebhookServer } from './webhook-servers.js';

const GROUP = 'conv.kapi.io';

function crd(plural: string, kind: string, clientConfig: Record<string, unknown>) {
  const schema = (spec: Record<string, unknown>) => ({ openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: spec } } } });
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${GROUP}` },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` },
      conversion: { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'], clientConfig } },
      versions: [
        { name: 'v1', served: true, storage: true, schema: schema({ size: { type: 'string', enum: ['small', 'large'] } }) },
        { name: 'v2', served: true, storage: false, schema: schema({ replicas: { type: 'integer' } }), selectableFields: [{ jsonPath: '.spec.replicas' }] },
      ],
    },
  };
}

type Obj = Record<string, any>;

/** The webhook's conversion: small ⇄ 1, large ⇄ 3; `rename` makes it change the name, as a broken webhook would. */
let rename = false;
function convert(object: Obj, desiredAPIVersion: string): Obj {
  const spec = object.spec ?? {};
  if (desiredAPIVersion === `${GROUP}/v2`) object.spec = { replicas: spec.size === 'large' ? 3 : 1 };
  else object.spec = { size: spec.replicas === 3 ? 'large' : 'small' };
  object.apiVersion = desiredAPIVersion;
  if (rename) object.metadata = { ...object.metadata, name: `${object.metadata?.name}-renamed` };
  return object;
}

/** A port on 127.0.0.1 nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('CRD conversion webhooks', () => {
  let stack: TestStack;
  let webhook: TestConversionWebhook;
  let admissionWebhook: TestWebhookServer;
  /** What the admission webhook was sent. */
  const admitted: AdmissionRequest[] = [];
  let dir: string;
  const sizers = (version: string, name = '') => `/apis/${GROUP}/${version}/namespaces/default/sizers${name ? `/${name}` : ''}`;
  const json = async (method: string, path: string, body?: unknown) => {
    const res = await apiRequest(stack, method, path, body);
    return { code: res.code, body: JSON.parse(res.body) as Obj };
  };
  const establish = async (name: string) => {
    const waited = await stack.kubectl(['wait', '--for=condition=Established', '--timeout=60s', `crd/${name}`]);
    assert.equal(waited.stdout, `customresourcedefinition.apiextensions.k8s.io/${name} condition met\n`, waited.stderr);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kapi-crd-conversion-'));
    webhook = await startConversionWebhook(join(dir, 'webhook'), convert, ['converter.default.svc']);
    admissionWebhook = await startWebhookServer(join(dir, 'admission'), { '/seen': validating((r) => (admitted.push(r), allow())) });
    stack = await startTestStack();
  });

  after(async () => {
    await stack?.stop();
    await webhook?.close();
    await admissionWebhook?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores in the storage version and reads, lists and watches in either through the webhook', async () => {
    const created = await json('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd('sizers', 'Sizer', { url: webhook.url, caBundle: webhook.caBundle }));
    assert.equal(created.code, 201, JSON.stringify(created.body));
    await establish(`sizers.${GROUP}`);

    // Written in the storage version: no conversion.
    const small = await json('POST', sizers('v1'), { apiVersion: `${GROUP}/v1`, kind: 'Sizer', metadata: { name: 'small' }, spec: { size: 'small' } });
    assert.equal(small.code, 201, JSON.stringify(small.body));
    // Written in v2: converted to v1 to be stored, answered in v2.
    const large = await json('POST', sizers('v2'), { apiVersion: `${GROUP}/v2`, kind: 'Sizer', metadata: { name: 'large' }, spec: { replicas: 3 } });
    assert.equal(large.code, 201, JSON.stringify(large.body));
    assert.equal(large.body.apiVersion, `${GROUP}/v2`);
    assert.deepEqual(large.body.spec, { replicas: 3 });
    assert.ok(webhook.reviews.some((r) => r.request.desiredAPIVersion === `${GROUP}/v1` && r.request.objects[0]?.metadata?.name === 'large'), 'the write went to the storage version through the webhook');

    // A dry run in v2 goes to the storage version and back through the webhook, as kube's dry-run
    // storage encodes and decodes; its answer is the stored shape read back: 2 replicas is stored
    // "small", which reads as 1 replica.
    const dryRun = await json('POST', `${sizers('v2')}?dryRun=All`, { apiVersion: `${GROUP}/v2`, kind: 'Sizer', metadata: { name: 'two' }, spec: { replicas: 2 } });
    assert.equal(dryRun.code, 201, JSON.stringify(dryRun.body));
    assert.deepEqual([dryRun.body.apiVersion, dryRun.body.spec], [`${GROUP}/v2`, { replicas: 1 }]);
    const reviewedTwo = webhook.reviews.filter((r) => r.request.objects[0]?.metadata?.name === 'two').map((r) => r.request.desiredAPIVersion);
    assert.deepEqual(reviewedTwo, [`${GROUP}/v1`, `${GROUP}/v2`]);

    // Each read in the other version keeps the object's name, namespace and uid.
    const largeV1 = await json('GET', sizers('v1', 'large'));
    assert.equal(largeV1.code, 200, JSON.stringify(largeV1.body));
    assert.deepEqual([largeV1.body.apiVersion, largeV1.body.spec], [`${GROUP}/v1`, { size: 'large' }]);
    assert.equal(largeV1.body.metadata.uid, large.body.metadata.uid);
    const smallV2 = await json('GET', sizers('v2', 'small'));
    assert.equal(smallV2.code, 200, JSON.stringify(smallV2.body));
    assert.deepEqual([smallV2.body.apiVersion, smallV2.body.spec, smallV2.body.metadata.name, smallV2.body.metadata.namespace, smallV2.body.metadata.uid], [
      `${GROUP}/v2`,
      { replicas: 1 },
      'small',
      'default',
      small.body.metadata.uid,
    ]);

    // A list in v2 (the watch cache's) converts its objects in one review.
    const reviewsBefore = webhook.reviews.length;
    const listed = await json('GET', sizers('v2'));
    assert.equal(listed.code, 200, JSON.stringify(listed.body));
    assert.equal(listed.body.apiVersion, `${GROUP}/v2`);
    assert.deepEqual(listed.body.items.map((i: Obj) => [i.metadata.name, i.apiVersion, i.spec]), [
      ['large', `${GROUP}/v2`, { replicas: 3 }],
      ['small', `${GROUP}/v2`, { replicas: 1 }],
    ]);
    assert.ok(webhook.reviews.slice(reviewsBefore).some((r) => r.request.objects.length === 2), 'the list was converted in one review');

    // A field selector on a v2 field selects on the converted objects.
    const selected = await json('GET', `${sizers('v2')}?fieldSelector=spec.replicas%3D3`);
    assert.equal(selected.code, 200, JSON.stringify(selected.body));
    assert.deepEqual(selected.body.items.map((i: Obj) => i.metadata.name), ['large']);

    // An update in v2 of an object stored in v1.
    const updated = await json('PUT', sizers('v2', 'small'), { ...smallV2.body, spec: { replicas: 3 } });
    assert.equal(updated.code, 200, JSON.stringify(updated.body));
    assert.deepEqual((await json('GET', sizers('v1', 'small'))).body.spec, { size: 'large' });

    // A watch in v2 sends each event converted.
    const events = await collectWatch(stack, `${sizers('v2')}?watch=1&resourceVersion=${small.body.metadata.resourceVersion}`, (e) => e.length >= 2, 60_000);
    assert.deepEqual(
      events.map((e) => [e.type, e.object.metadata?.name, (e.object as Obj).apiVersion, (e.object as Obj).spec]),
      [
        ['ADDED', 'large', `${GROUP}/v2`, { replicas: 3 }],
        ['MODIFIED', 'small', `${GROUP}/v2`, { replicas: 3 }],
      ],
    );

    // A watch with a selector on a v2 field selects on the converted objects: small's update to 3
    // replicas brings it into the selection (ADDED), as kube's watch cache tells it.
    const selectedEvents = await collectWatch(
      stack,
      `${sizers('v2')}?watch=1&fieldSelector=spec.replicas%3D3&resourceVersion=${small.body.metadata.resourceVersion}`,
      (e) => e.length >= 2,
      60_000,
    );
    assert.deepEqual(
      selectedEvents.map((e) => [e.type, e.object.metadata?.name, (e.object as Obj).spec]),
      [
        ['ADDED', 'large', { replicas: 3 }],
        ['ADDED', 'small', { replicas: 3 }],
      ],
    );

    // kubectl reads either version.
    const viaKubectl = await stack.kubectl(['get', `sizers.v2.${GROUP}`, 'small', '-o', 'jsonpath={.apiVersion} {.spec.replicas}']);
    assert.equal(viaKubectl.stdout, `${GROUP}/v2 3`, viaKubectl.stderr);
    const viaKubectlV1 = await stack.kubectl(['get', `sizers.v1.${GROUP}`, 'large', '-o', 'jsonpath={.apiVersion} {.spec.size}']);
    assert.equal(viaKubectlV1.stdout, `${GROUP}/v1 large`, viaKubectlV1.stderr);

    // The CRD records the version its objects are stored in.
    assert.deepEqual((await json('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/sizers.${GROUP}`)).body.status.storedVersions, ['v1']);
  });

  it('reaches a webhook named by clientConfig.service through its EndpointSlice, the certificate checked for <service>.<namespace>.svc', async () => {
    for (const object of [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'converter', namespace: 'default' }, spec: { ports: [{ name: 'https', port: 443, targetPort: webhook.port }] } },
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'converter-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'converter' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
        ports: [{ name: 'https', port: webhook.port, protocol: 'TCP' }],
      },
    ]) {
      const applied = await stack.kubectl(['apply', '-f', '-'], { input: JSON.stringify(object) });
      assert.equal(applied.code, 0, applied.stderr);
    }
    const service = { service: { namespace: 'default', name: 'converter', path: '/convert', port: 443 }, caBundle: webhook.caBundle };
    const created = await json('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd('servers', 'Server', service));
    assert.equal(created.code, 201, JSON.stringify(created.body));
    await establish(`servers.${GROUP}`);
    const servers = (version: string, name = '') => `/apis/${GROUP}/${version}/namespaces/default/servers${name ? `/${name}` : ''}`;
    const written = await json('POST', servers('v2'), { apiVersion: `${GROUP}/v2`, kind: 'Server', metadata: { name: 's' }, spec: { replicas: 3 } });
    assert.equal(written.code, 201, JSON.stringify(written.body));
    assert.deepEqual((await json('GET', servers('v1', 's'))).body.spec, { size: 'large' });
    const listed = await json('GET', `${servers('v2')}?resourceVersion=${written.body.metadata.resourceVersion}`);
    assert.deepEqual(listed.body.items?.map((i: Obj) => [i.metadata.name, i.spec]), [['s', { replicas: 3 }]], JSON.stringify(listed.body));
  });

  it('shows an admission webhook whose rule names v1 (matchPolicy Equivalent) a v2 write converted to v1 by the conversion webhook', async () => {
    const configuration = webhookConfiguration('ValidatingWebhookConfiguration', 'sizers-v1', [
      {
        name: 'seen.conv.kapi.io',
        clientConfig: { url: admissionWebhook.url('/seen'), caBundle: admissionWebhook.caBundle },
        rules: [{ operations: ['CREATE'], apiGroups: [GROUP], apiVersions: ['v1'], resources: ['sizers'] }],
      },
    ]);
    const created = await json('POST', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', configuration);
    assert.equal(created.code, 201, JSON.stringify(created.body));
    // The admission service sees the configuration through its informer, a moment after it is stored.
    let n = 0;
    await eventually(async () => {
      const name = `seen-${n++}`;
      const written = await json('POST', sizers('v2'), { apiVersion: `${GROUP}/v2`, kind: 'Sizer', metadata: { name }, spec: { replicas: 3 } });
      assert.equal(written.code, 201, JSON.stringify(written.body));
      const seen = admitted.find((r) => r.name === name);
      assert.ok(seen, `the webhook saw ${name}`);
      assert.deepEqual([seen.kind, seen.requestKind?.version, (seen.object as Obj).apiVersion, (seen.object as Obj).spec], [
        { group: GROUP, version: 'v1', kind: 'Sizer' },
        'v2',
        `${GROUP}/v1`,
        { size: 'large' },
      ]);
    }, 60_000);
    assert.equal((await json('DELETE', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/sizers-v1')).code, 200);
  });

  it('refuses an object the webhook renamed, in kube words', async () => {
    rename = true;
    try {
      const got = await json('GET', sizers('v2', 'small'));
      assert.deepEqual([got.code, got.body.reason, got.body.message], [
        500,
        undefined,
        `conversion webhook for ${GROUP}/v1, Kind=Sizer returned invalid object: must have the same name: small != small-renamed`,
      ]);
      // The watch cache converts each stored object once: a list in v2 asks the webhook about the new one.
      const medium = await json('POST', sizers('v1'), { apiVersion: `${GROUP}/v1`, kind: 'Sizer', metadata: { name: 'medium' }, spec: { size: 'small' } });
      assert.equal(medium.code, 201, JSON.stringify(medium.body));
      const listed = await json('GET', `${sizers('v2')}?resourceVersion=${medium.body.metadata.resourceVersion}`);
      // (one object in the review, or several: those the cache has not converted yet)
      assert.equal(listed.code, 500, JSON.stringify(listed.body));
      assert.match(listed.body.message, /^conversion webhook for conv\.kapi\.io\/v1, Kind=Sizer returned invalid (object|converted object at index \d+): must have the same name: medium != medium-renamed$/);
      // A write in v2 is refused too, and nothing is stored.
      const write = await json('POST', sizers('v2'), { apiVersion: `${GROUP}/v2`, kind: 'Sizer', metadata: { name: 'other' }, spec: { replicas: 1 } });
      assert.deepEqual([write.code, write.body.message], [500, `conversion webhook for ${GROUP}/v2, Kind=Sizer returned invalid object: must have the same name: other != other-renamed`]);
      assert.equal((await json('GET', sizers('v1', 'other'))).code, 404);
    } finally {
      rename = false;
    }
  });

  it('answers as kube when the webhook is down: 500, "conversion webhook for <gvk> failed: Post ...: connection refused"', async () => {
    const port = await closedPort();
    const url = `https://127.0.0.1:${port}/convert`;
    const created = await json('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd('downs', 'Down', { url, caBundle: webhook.caBundle }));
    assert.equal(created.code, 201, JSON.stringify(created.body));
    await establish(`downs.${GROUP}`);
    const downs = (version: string, name = '') => `/apis/${GROUP}/${version}/namespaces/default/downs${name ? `/${name}` : ''}`;
    const refused = (gvk: string) => `conversion webhook for ${gvk} failed: Post "${url}?timeout=30s": dial tcp 127.0.0.1:${port}: connect: connection refused`;

    const write = await json('POST', downs('v2'), { apiVersion: `${GROUP}/v2`, kind: 'Down', metadata: { name: 'd' }, spec: { replicas: 1 } });
    assert.deepEqual([write.code, write.body.reason, write.body.message], [500, undefined, refused(`${GROUP}/v2, Kind=Down`)]);
    // A dry run converts as a write does (kube's dry-run storage encodes to the storage version), so it fails alike.
    const dryRun = await json('POST', `${downs('v2')}?dryRun=All`, { apiVersion: `${GROUP}/v2`, kind: 'Down', metadata: { name: 'd' }, spec: { replicas: 1 } });
    assert.deepEqual([dryRun.code, dryRun.body.reason, dryRun.body.message], [500, undefined, refused(`${GROUP}/v2, Kind=Down`)]);

    // The storage version needs no webhook; the other version does.
    const stored = await json('POST', downs('v1'), { apiVersion: `${GROUP}/v1`, kind: 'Down', metadata: { name: 'd' }, spec: { size: 'small' } });
    assert.equal(stored.code, 201, JSON.stringify(stored.body));
    const read = await json('GET', downs('v2', 'd'));
    assert.deepEqual([read.code, read.body.reason, read.body.message], [500, undefined, refused(`${GROUP}/v1, Kind=Down`)]);
    const listed = await json('GET', downs('v2'));
    assert.deepEqual([listed.code, listed.body.message], [500, refused(`${GROUP}/v1, Kind=Down`)]);
    const kubectl = await stack.kubectl(['get', `downs.v2.${GROUP}`, 'd']);
    assert.equal(kubectl.stderr.trim(), `Error from server: ${refused(`${GROUP}/v1, Kind=Down`)}`);
    // A watch in v2 ends at the event it cannot convert, without an ERROR event, as kube's does: its
    // watch cache's etcd watch fails to decode the event, the cache re-initialises and ends every
    // watcher of the resource (Cacher.terminateAllWatchers); the client watches again.
    const watched = await collectWatch(stack, `${downs('v2')}?watch=1&resourceVersion=${Number(stored.body.metadata.resourceVersion) - 1}`, () => false, 60_000);
    assert.deepEqual(watched, []);
  });
});
