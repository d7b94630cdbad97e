// The schema catalogue through the real kubectl: `kubectl explain` from the OpenAPI v3 documents and
// from /openapi/v2 as protobuf, server-side field validation (kubectl's default --validate=strict,
// warn and false), and strategic merge patches that merge containers by name.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiRequest, startTestStack, type TestStack } from './harness.js';

const template = (name: string, containers: string, extra = '') => `apiVersion: v1
kind: PodTemplate
metadata:
  name: ${name}
template:
  spec:${extra}
    containers:
${containers}`;

const container = (name: string, image: string) => `    - name: ${name}\n      image: ${image}\n`;

describe('OpenAPI and field validation', () => {
  let stack: TestStack;
  let files: string;
  const file = (name: string, text: string) => {
    const path = join(files, name);
    writeFileSync(path, text);
    return path;
  };

  before(async () => {
    stack = await startTestStack({ aggregatorReplicas: 1 });
    files = mkdtempSync(join(tmpdir(), 'kapi-openapi-'));
  });

  after(async () => {
    await stack?.stop();
    if (files) rmSync(files, { recursive: true, force: true });
  });

  it('explains a field path from the OpenAPI v3 documents', async () => {
    const res = await stack.kubectl(['explain', 'podtemplates.template.spec.containers']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^KIND:\s+PodTemplate\nVERSION:\s+v1\n\nFIELD: containers <\[\]Container>\n/);
    assert.match(res.stdout, /List of containers belonging to the pod\./);
    assert.match(res.stdout, /\n {2}image\t<string>\n/);
    assert.match(res.stdout, /\n {2}name\t<string> -required-\n/);
    const limits = await stack.kubectl(['explain', 'podtemplates.template.spec.containers.resources.limits']);
    assert.equal(limits.code, 0, limits.stderr);
    assert.match(limits.stdout, /FIELD: limits <map\[string\]Quantity>/);
    const port = await stack.kubectl(['explain', 'podtemplates.template.spec.containers.livenessProbe.httpGet.port']);
    assert.match(port.stdout, /FIELD: port <IntOrString>/, port.stderr);
  });

  it('explains autoscaling/v1 HorizontalPodAutoscalers beside v2, and validates v1 bodies by their own schema', async () => {
    const v1 = await stack.kubectl(['explain', 'hpa.spec.targetCPUUtilizationPercentage', '--api-version=autoscaling/v1']);
    assert.equal(v1.code, 0, v1.stderr);
    assert.match(v1.stdout, /^GROUP:\s+autoscaling\nKIND:\s+HorizontalPodAutoscaler\nVERSION:\s+v1\n\nFIELD: targetCPUUtilizationPercentage <integer>\n/);
    const v2 = await stack.kubectl(['explain', 'hpa.spec.metrics']);
    assert.match(v2.stdout, /VERSION:\s+v2\n/, v2.stderr);
    const doc = JSON.parse((await apiRequest(stack, 'GET', '/openapi/v3/apis/autoscaling/v1')).body);
    assert.ok(doc.components.schemas['io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler'], 'the v1 document holds the v1 kind');
    const bad = await apiRequest(stack, 'POST', '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers?fieldValidation=Strict', {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'strict' },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 2, metrics: [] },
    });
    assert.equal(bad.code, 400, bad.body);
    assert.match(JSON.parse(bad.body).message, /unknown field "spec.metrics"/);
  });

  it('explains from /openapi/v2, which kubectl reads as protobuf', async () => {
    const res = await stack.kubectl(['explain', '--output=plaintext-openapiv2', 'configmaps.data']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /KIND:\s+ConfigMap\nVERSION:\s+v1\n/);
    assert.match(res.stdout, /FIELD:\s+data <map\[string\]string>/);
    const proto = await apiRequest(stack, 'GET', '/openapi/v2', undefined, { Accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' });
    assert.equal(proto.code, 200);
    assert.equal(proto.headers['content-type'], 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    const etag = String(proto.headers.etag);
    assert.equal((await apiRequest(stack, 'GET', '/openapi/v2', undefined, { 'If-None-Match': etag })).code, 304);
  });

  it('declares fieldValidation, dryRun and the strategic-merge-patch type on PATCH, with merge keys in the schemas', async () => {
    const index = JSON.parse((await apiRequest(stack, 'GET', '/openapi/v3')).body) as { paths: Record<string, { serverRelativeURL: string }> };
    const doc = JSON.parse((await apiRequest(stack, 'GET', index.paths['api/v1'].serverRelativeURL)).body);
    const patch = doc.paths['/api/v1/namespaces/{namespace}/podtemplates/{name}'].patch;
    const names = patch.parameters.map((p: { name: string }) => p.name);
    assert.ok(names.includes('fieldValidation') && names.includes('dryRun'), names.join(','));
    assert.ok('application/strategic-merge-patch+json' in patch.requestBody.content);
    assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: '', version: 'v1', kind: 'PodTemplate' });
    const containers = doc.components.schemas['io.k8s.api.core.v1.PodSpec'].properties.containers;
    assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
  });

  it('refuses an unknown field with kubectl\'s default strict validation, as kube-apiserver does', async () => {
    const path = file('strict.yaml', template('strict', container('app', 'nginx'), '\n    foo: bar'));
    const res = await stack.kubectl(['apply', '-f', path]);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /Error from server \(BadRequest\): error when creating ".*strict\.yaml": PodTemplate in version "v1" cannot be handled as a PodTemplate: strict decoding error: unknown field "template\.spec\.foo"/);
    assert.equal((await stack.kubectl(['get', 'podtemplate', 'strict'])).code, 1);

    // Re-applying an existing object is a patch, refused the same way.
    writeFileSync(path, template('strict', container('app', 'nginx')));
    assert.equal((await stack.kubectl(['apply', '-f', path])).code, 0);
    writeFileSync(path, template('strict', container('app', 'nginx'), '\n    foo: bar'));
    const patched = await stack.kubectl(['apply', '-f', path]);
    assert.notEqual(patched.code, 0);
    assert.match(patched.stderr, /strict decoding error: unknown field "template\.spec\.foo"/);
  });

  it('refuses a value of the wrong type with the Go decoder\'s message', async () => {
    // (kubectl decodes metadata itself, and would refuse a number label before sending.)
    const path = file('typed.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: typed\ndata:\n  port: 8080\n');
    const res = await stack.kubectl(['apply', '-f', path]);
    assert.notEqual(res.code, 0);
    assert.match(
      res.stderr,
      /Error from server \(BadRequest\): error when creating ".*typed\.yaml": ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap\.data of type string/,
    );
  });

  it('reports duplicate fields of a JSON body by path', async () => {
    const body = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dupes"},"data":{"a":"1"},"data":{"a":"2"}}';
    const strict = await apiRequest(stack, 'POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Strict', body);
    assert.equal(strict.code, 400);
    assert.equal(JSON.parse(strict.body).message, 'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: duplicate field "data"');
    const warned = await apiRequest(stack, 'POST', '/api/v1/namespaces/default/configmaps', body);
    assert.equal(warned.code, 201);
    assert.equal(warned.headers.warning, '299 - "duplicate field \\"data\\""');
    assert.deepEqual(JSON.parse(warned.body).data, { a: '2' });
  });

  it('warns with --validate=warn and drops the field', async () => {
    const path = file('warn.yaml', template('warn', container('app', 'nginx'), '\n    foo: bar'));
    const res = await stack.kubectl(['apply', '--validate=warn', '-f', path]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /Warning: unknown field "template\.spec\.foo"/);
    const got = JSON.parse((await stack.kubectl(['get', 'podtemplate', 'warn', '-o', 'json'])).stdout);
    assert.equal('foo' in got.template.spec, false);
  });

  it('drops unknown fields silently with --validate=false', async () => {
    const path = file('ignore.yaml', template('ignore', container('app', 'nginx').replace('image: nginx', 'image: nginx\n      bar: 1')));
    const res = await stack.kubectl(['apply', '--validate=false', '-f', path]);
    assert.equal(res.code, 0, res.stderr);
    assert.doesNotMatch(res.stderr, /Warning/);
    const got = JSON.parse((await stack.kubectl(['get', 'podtemplate', 'ignore', '-o', 'json'])).stdout);
    assert.equal(got.template.spec.containers[0].image, 'nginx');
    assert.equal('bar' in got.template.spec.containers[0], false);
  });

  it('merges containers by name in a strategic merge patch and in a re-apply', async () => {
    const path = file('smp.yaml', template('smp', container('a', 'nginx:1') + container('b', 'redis:1')));
    const created = await stack.kubectl(['apply', '-f', path]);
    assert.equal(created.code, 0, created.stderr);
    assert.doesNotMatch(created.stderr, /could not find schema|Warning/);

    const patched = await stack.kubectl(['patch', 'podtemplate', 'smp', '-p', JSON.stringify({ template: { spec: { containers: [{ name: 'b', image: 'redis:2' }] } } })]);
    assert.equal(patched.code, 0, patched.stderr);
    let got = JSON.parse((await stack.kubectl(['get', 'podtemplate', 'smp', '-o', 'json'])).stdout);
    assert.deepEqual(got.template.spec.containers.map((c: { name: string; image: string }) => `${c.name}=${c.image}`), ['a=nginx:1', 'b=redis:2']);

    writeFileSync(path, template('smp', container('a', 'nginx:3') + container('b', 'redis:2')));
    const reapplied = await stack.kubectl(['apply', '-f', path]);
    assert.equal(reapplied.code, 0, reapplied.stderr);
    assert.equal(reapplied.stdout, 'podtemplate/smp configured\n');
    got = JSON.parse((await stack.kubectl(['get', 'podtemplate', 'smp', '-o', 'json'])).stdout);
    assert.deepEqual(got.template.spec.containers.map((c: { name: string; image: string }) => `${c.name}=${c.image}`), ['a=nginx:3', 'b=redis:2']);

    // Dropping a container from the file: kubectl's three-way patch deletes it by its name.
    writeFileSync(path, template('smp', container('b', 'redis:2')));
    const removed = await stack.kubectl(['apply', '-f', path]);
    assert.equal(removed.code, 0, removed.stderr);
    got = JSON.parse((await stack.kubectl(['get', 'podtemplate', 'smp', '-o', 'json'])).stdout);
    assert.deepEqual(got.template.spec.containers.map((c: { name: string; image: string }) => `${c.name}=${c.image}`), ['b=redis:2']);
  });

  it('warns about an unknown field brought by a patch (Warn is the default) and refuses it under Strict', async () => {
    const path = file('patched.yaml', template('patched', container('app', 'nginx')));
    assert.equal((await stack.kubectl(['apply', '-f', path])).code, 0);
    const body = { template: { spec: { bogus: true } } };
    const strict = await apiRequest(stack, 'PATCH', '/api/v1/namespaces/default/podtemplates/patched?fieldValidation=Strict', body, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(strict.code, 400);
    const status = JSON.parse(strict.body);
    assert.equal(status.reason, 'BadRequest');
    assert.equal(status.message, 'strict decoding error: unknown field "template.spec.bogus"');
    // kubectl patch sends no fieldValidation: the server's default, Warn, applies.
    const warned = await stack.kubectl(['patch', 'podtemplate', 'patched', '--type=merge', '-p', JSON.stringify(body)]);
    assert.equal(warned.code, 0, warned.stderr);
    assert.match(warned.stderr, /Warning: unknown field "template\.spec\.bogus"/);
    const got = JSON.parse((await stack.kubectl(['get', 'podtemplate', 'patched', '-o', 'json'])).stdout);
    assert.equal('bogus' in got.template.spec, false);
  });

  it('publishes the operations of a custom resource as kube-apiserver v1.34.2 does', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gadgets.openapi.kapi.io' },
      spec: {
        group: 'openapi.kapi.io',
        scope: 'Namespaced',
        names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    };
    const created = await stack.kubectl(['apply', '-f', '-'], { input: JSON.stringify(crd) });
    assert.equal(created.code, 0, created.stderr);
    const waited = await stack.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/gadgets.openapi.kapi.io']);
    assert.equal(waited.code, 0, waited.stderr);
    const doc = JSON.parse((await stack.kubectl(['get', '--raw', '/openapi/v3/apis/openapi.kapi.io/v1'])).stdout);
    const names = (params: { name: string }[] | undefined) => (params ?? []).map((p) => p.name).join(' ');
    const LIST = 'allowWatchBookmarks continue fieldSelector labelSelector limit resourceVersion resourceVersionMatch sendInitialEvents timeoutSeconds watch';
    // Across all namespaces, its one operation's parameters on the path; no protobuf for custom resources.
    const all = doc.paths['/apis/openapi.kapi.io/v1/gadgets'];
    assert.deepEqual(
      [all.get.operationId, all.get.description, names(all.parameters), Object.keys(all.get.responses['200'].content)],
      ['listOpenapiKapiIoV1GadgetForAllNamespaces', 'list objects of kind Gadget', LIST.replace('limit ', 'limit pretty '), ['application/json', 'application/yaml']],
    );
    const collection = doc.paths['/apis/openapi.kapi.io/v1/namespaces/{namespace}/gadgets'];
    assert.deepEqual([collection.delete.operationId, names(collection.delete.parameters), collection.delete.requestBody], ['deleteOpenapiKapiIoV1CollectionNamespacedGadget', LIST, undefined]);
    const item = doc.paths['/apis/openapi.kapi.io/v1/namespaces/{namespace}/gadgets/{name}'];
    assert.equal(names(item.get.parameters), 'resourceVersion');
    assert.deepEqual(
      [item.delete.description, names(item.delete.parameters), item.delete.requestBody],
      [
        'delete a Gadget',
        'dryRun gracePeriodSeconds ignoreStoreReadErrorWithClusterBreakingPotential orphanDependents propagationPolicy',
        {
          content: {
            'application/json': { schema: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions' } },
            'application/yaml': { schema: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions' } },
          },
        },
      ],
    );
    assert.deepEqual(Object.keys(item.patch.responses), ['200', '401']);
    assert.ok(doc.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions']);
    const deleted = await stack.kubectl(['delete', 'crd', 'gadgets.openapi.kapi.io']);
    assert.equal(deleted.code, 0, deleted.stderr);
  });
});
