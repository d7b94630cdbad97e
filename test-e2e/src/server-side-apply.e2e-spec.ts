// Server-side and client-side apply through the real kubectl: field ownership in managedFields,
// conflicts with other managers, --force-conflicts, and list items owned by name.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiRequest, startTestStack, type TestStack } from './harness.js';

interface Entry {
  manager: string;
  operation: string;
  apiVersion: string;
  fieldsType: string;
  fieldsV1: Record<string, unknown>;
  time: string;
}

const configMap = (data: Record<string, string>) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'ssa' }, data });

describe('server-side apply', () => {
  let stack: TestStack;
  const kubectl = (args: string[], input?: string) => stack.kubectl(['-n', 'ssa', ...args], input === undefined ? {} : { input });
  const managed = async (resource: string): Promise<Entry[]> => {
    const res = await kubectl(['get', resource, '-o', 'json', '--show-managed-fields']);
    assert.equal(res.code, 0, res.stderr);
    return JSON.parse(res.stdout).metadata.managedFields;
  };

  before(async () => {
    stack = await startTestStack({ aggregatorReplicas: 1 });
    assert.equal((await stack.kubectl(['create', 'namespace', 'ssa'])).code, 0);
  });

  after(async () => {
    await stack?.stop();
  });

  it('applies a ConfigMap twice: the second apply changes a key and removes the one it no longer applies', async () => {
    const first = await kubectl(['apply', '--server-side', '-f', '-'], configMap({ a: '1', b: '2' }));
    assert.equal(first.stdout, 'configmap/cfg serverside-applied\n', first.stderr);
    const second = await kubectl(['apply', '--server-side', '-f', '-'], configMap({ a: 'one' }));
    assert.equal(second.stdout, 'configmap/cfg serverside-applied\n', second.stderr);
    const cm = JSON.parse((await kubectl(['get', 'cm', 'cfg', '-o', 'json'])).stdout);
    assert.deepEqual(cm.data, { a: 'one' });
    assert.equal(cm.metadata.managedFields, undefined, 'hidden unless --show-managed-fields');
    const entries = await managed('cm/cfg');
    assert.equal(entries.length, 1);
    assert.deepEqual({ ...entries[0], time: undefined }, { manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } }, time: undefined });
    assert.match(entries[0].time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('refuses to change a field another manager set, with kube\'s conflict, and --force-conflicts takes it over', async () => {
    const patched = await kubectl(['patch', 'cm', 'cfg', '--type=merge', '-p', '{"data":{"a":"patched"}}']);
    assert.equal(patched.stdout, 'configmap/cfg patched\n', patched.stderr);
    const byPatch = (await managed('cm/cfg')).find((e) => e.manager === 'kubectl-patch');
    assert.deepEqual(byPatch?.fieldsV1, { 'f:data': { 'f:a': {} } });

    const refused = await kubectl(['apply', '--server-side', '-f', '-'], configMap({ a: 'applied' }));
    assert.notEqual(refused.code, 0);
    assert.equal(
      refused.stderr,
      `error: Apply failed with 1 conflict: conflict with "kubectl-patch" using v1: .data.a
Please review the fields above--they currently have other managers. Here
are the ways you can resolve this warning:
* If you intend to manage all of these fields, please re-run the apply
  command with the \`--force-conflicts\` flag.
* If you do not intend to manage all of the fields, please edit your
  manifest to remove references to the fields that should keep their
  current managers.
* You may co-own fields by updating your manifest to match the existing
  value; in this case, you'll become the manager if the other manager(s)
  stop managing the field (remove it from their configuration).
See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts
`,
    );
    assert.equal(JSON.parse((await kubectl(['get', 'cm', 'cfg', '-o', 'json'])).stdout).data.a, 'patched');

    // The raw answer: 409 Conflict with a FieldManagerConflict cause.
    const raw = await apiRequest(stack, 'PATCH', '/api/v1/namespaces/ssa/configmaps/cfg?fieldManager=kubectl', configMap({ a: 'applied' }), { 'Content-Type': 'application/apply-patch+yaml' });
    assert.equal(raw.code, 409);
    const status = JSON.parse(raw.body);
    assert.equal(status.reason, 'Conflict');
    assert.equal(status.message, 'Apply failed with 1 conflict: conflict with "kubectl-patch" using v1: .data.a');
    assert.deepEqual(status.details.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-patch" using v1', field: '.data.a' }]);

    const forced = await kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], configMap({ a: 'applied' }));
    assert.equal(forced.stdout, 'configmap/cfg serverside-applied\n', forced.stderr);
    assert.equal(JSON.parse((await kubectl(['get', 'cm', 'cfg', '-o', 'json'])).stdout).data.a, 'applied');
    const entries = await managed('cm/cfg');
    assert.deepEqual(entries.map((e) => [e.manager, e.operation, e.fieldsV1]), [['kubectl', 'Apply', { 'f:data': { 'f:a': {} } }]], 'kubectl-patch lost its only field');
    const yaml = (await kubectl(['get', 'cm', 'cfg', '-o', 'yaml', '--show-managed-fields'])).stdout;
    assert.match(yaml, /\n  managedFields:\n  - apiVersion: v1\n    fieldsType: FieldsV1\n    fieldsV1:\n      f:data:\n        f:a: \{\}\n    manager: kubectl\n    operation: Apply\n/);
  });

  it('refuses an applied field the schema does not declare whatever --validate says, stores nothing of it, and kubectl names it', async () => {
    const bogus = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'typo', namespace: 'ssa' }, data: { a: 'b' }, bogus: 1 });
    for (const validate of ['strict', 'warn', 'false']) {
      const res = await kubectl(['apply', '--server-side', `--validate=${validate}`, '-f', '-'], bogus);
      assert.equal(res.code, 1, validate);
      assert.equal(res.stderr, 'Error from server: failed to create typed patch object (ssa/typo; /v1, Kind=ConfigMap): .bogus: field not declared in schema\n', validate);
    }
    assert.match((await kubectl(['get', 'configmap', 'typo'])).stderr, /NotFound/);
    // The same through the API: 500 with no reason, as kube answers it.
    const res = await apiRequest(stack, 'PATCH', '/api/v1/namespaces/ssa/configmaps/typo?fieldManager=raw&fieldValidation=Ignore', bogus, { 'Content-Type': 'application/apply-patch+yaml' });
    assert.equal(res.code, 500);
    const status = JSON.parse(res.body);
    assert.equal(status.reason, undefined);
    assert.equal(status.message, 'failed to create typed patch object (ssa/typo; /v1, Kind=ConfigMap): .bogus: field not declared in schema');
  });

  it('requires a field manager for apply, and refuses force on other patches', async () => {
    const missing = await apiRequest(stack, 'PATCH', '/api/v1/namespaces/ssa/configmaps/cfg', configMap({ a: '1' }), { 'Content-Type': 'application/apply-patch+yaml' });
    assert.equal(missing.code, 422);
    assert.equal(JSON.parse(missing.body).message, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    const force = await apiRequest(stack, 'PATCH', '/api/v1/namespaces/ssa/configmaps/cfg?force=true', '{}', { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(force.code, 422);
    assert.equal(JSON.parse(force.body).message, 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
  });

  it('answers 201 when an apply creates the object and 200 after; applies to the status subresource', async () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'lb', namespace: 'ssa' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } };
    const path = '/api/v1/namespaces/ssa/services/lb';
    const headers = { 'Content-Type': 'application/apply-patch+yaml' };
    const created = await apiRequest(stack, 'PATCH', `${path}?fieldManager=deployer`, svc, headers);
    assert.equal(created.code, 201, created.body);
    assert.deepEqual(JSON.parse(created.body).spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 80, nodePort: JSON.parse(created.body).spec.ports[0].nodePort }]);
    const again = await apiRequest(stack, 'PATCH', `${path}?fieldManager=deployer`, svc, headers);
    assert.equal(again.code, 200, again.body);

    const status = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'lb', namespace: 'ssa' }, status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } } };
    const applied = await apiRequest(stack, 'PATCH', `${path}/status?fieldManager=lb-controller`, status, headers);
    assert.equal(applied.code, 200, applied.body);
    const body = JSON.parse(applied.body);
    assert.deepEqual(body.status.loadBalancer.ingress, [{ ip: '192.0.2.10' }]);
    const entry = (body.metadata.managedFields as (Entry & { subresource?: string })[]).find((e) => e.manager === 'lb-controller');
    assert.deepEqual([entry?.operation, entry?.subresource, entry?.fieldsV1], ['Apply', 'status', { 'f:status': { 'f:loadBalancer': { 'f:ingress': {} } } }]);
    const raced = await apiRequest(stack, 'PATCH', `${path}/status?fieldManager=other`, { ...status, status: { loadBalancer: { ingress: [{ ip: '192.0.2.11' }] } } }, headers);
    assert.equal(raced.code, 409);
    assert.equal(JSON.parse(raced.body).message, 'Apply failed with 1 conflict: conflict with "lb-controller" with subresource "status": .status.loadBalancer.ingress');
  });

  it('honours dry run', async () => {
    const res = await kubectl(['apply', '--server-side', '--dry-run=server', '-f', '-'], configMap({ a: 'dry' }));
    assert.equal(res.stdout, 'configmap/cfg serverside-applied (server dry run)\n', res.stderr);
    assert.equal(JSON.parse((await kubectl(['get', 'cm', 'cfg', '-o', 'json'])).stdout).data.a, 'applied');
  });

  it('lets two managers own different containers of a PodTemplate by name', async () => {
    const template = (containers: unknown[]) =>
      JSON.stringify({ apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'pt', namespace: 'ssa' }, template: { spec: { containers } } });
    const a = await kubectl(['apply', '--server-side', '--field-manager=team-a', '-f', '-'], template([{ name: 'app', image: 'app:1' }]));
    assert.equal(a.stdout, 'podtemplate/pt serverside-applied\n', a.stderr);
    const b = await kubectl(['apply', '--server-side', '--field-manager=team-b', '-f', '-'], template([{ name: 'sidecar', image: 'proxy:1' }]));
    assert.equal(b.stdout, 'podtemplate/pt serverside-applied\n', b.stderr);
    const pt = JSON.parse((await kubectl(['get', 'podtemplate', 'pt', '-o', 'json'])).stdout);
    assert.deepEqual(pt.template.spec.containers.map((c: { name: string; image: string }) => [c.name, c.image]), [['app', 'app:1'], ['sidecar', 'proxy:1']]);
    const entries = await managed('podtemplate/pt');
    const containersOf = (m: string) => Object.keys(((entries.find((e) => e.manager === m)?.fieldsV1 as Record<string, Record<string, Record<string, Record<string, unknown>>>>)['f:template']['f:spec']['f:containers']));
    assert.deepEqual(containersOf('team-a'), ['k:{"name":"app"}']);
    assert.deepEqual(containersOf('team-b'), ['k:{"name":"sidecar"}']);

    const clash = await kubectl(['apply', '--server-side', '--field-manager=team-b', '-f', '-'], template([{ name: 'sidecar', image: 'proxy:1' }, { name: 'app', image: 'app:2' }]));
    assert.match(clash.stderr, /^error: Apply failed with 1 conflict: conflict with "team-a": \.template\.spec\.containers\[name="app"\]\.image\n/);

    const keyless = await kubectl(['apply', '--server-side', '--field-manager=team-b', '-f', '-'], template([{ name: 'sidecar', image: 'proxy:1', ports: [{ name: 'http' }] }]));
    assert.equal(
      keyless.stderr,
      'Error from server: failed to create typed patch object (ssa/pt; /v1, Kind=PodTemplate): .template.spec.containers[name="sidecar"].ports: element 0: associative list with keys has an element that omits key field "containerPort" (and doesn\'t have default value)\n',
    );

    // team-a stops applying its container: only that one goes.
    const dropped = await kubectl(['apply', '--server-side', '--field-manager=team-a', '-f', '-'], template([]));
    assert.equal(dropped.code, 0, dropped.stderr);
    const after = JSON.parse((await kubectl(['get', 'podtemplate', 'pt', '-o', 'json'])).stdout);
    assert.deepEqual(after.template.spec.containers.map((c: { name: string }) => c.name), ['sidecar']);
  });

  it('lets two managers own different ports of a Service, keyed by port and protocol', async () => {
    const service = (ports: unknown[]) => JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'ssa' }, spec: { selector: { app: 'web' }, ports } });
    const first = await kubectl(['apply', '--server-side', '--field-manager=app-team', '-f', '-'], service([{ name: 'http', port: 80, targetPort: 8080 }]));
    assert.equal(first.stdout, 'service/web serverside-applied\n', first.stderr);
    const second = await kubectl(['apply', '--server-side', '--field-manager=tls-team', '-f', '-'], service([{ name: 'https', port: 443, targetPort: 8443 }]));
    assert.equal(second.stdout, 'service/web serverside-applied\n', second.stderr);
    const web = JSON.parse((await kubectl(['get', 'svc', 'web', '-o', 'json'])).stdout);
    assert.deepEqual(web.spec.ports.map((p: { name: string; port: number }) => [p.name, p.port]), [['http', 80], ['https', 443]]);
    const tls = (await managed('svc/web')).find((e) => e.manager === 'tls-team')!;
    const spec = tls.fieldsV1['f:spec'] as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(spec['f:ports']), ['k:{"port":443,"protocol":"TCP"}']);
    assert.deepEqual(spec['f:selector'], {}, 'a Service selector is an atomic map');
  });

  it('client-side kubectl apply works twice in a row, then server-side apply takes over its fields', async () => {
    const manifest = (data: Record<string, string>) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'csa', namespace: 'ssa' }, data });
    const first = await kubectl(['apply', '-f', '-'], manifest({ a: '1', b: '2' }));
    assert.equal(first.stdout, 'configmap/csa created\n', first.stderr);
    const second = await kubectl(['apply', '-f', '-'], manifest({ a: '1', c: '3' }));
    assert.equal(second.stdout, 'configmap/csa configured\n', second.stderr);
    const cm = JSON.parse((await kubectl(['get', 'cm', 'csa', '-o', 'json'])).stdout);
    assert.deepEqual(cm.data, { a: '1', c: '3' });
    assert.equal(JSON.parse(cm.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).data.c, '3');
    assert.deepEqual((await managed('cm/csa')).map((e) => e.manager), ['kubectl-client-side-apply']);

    // Another server-side manager may not change what client-side apply applied.
    const other = await kubectl(['apply', '--server-side', '--field-manager=ci', '-f', '-'], manifest({ a: 'ci' }));
    assert.match(other.stderr, /^error: Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: \.data\.a\n/);

    // The switch to server-side apply: the server lets kubectl take what its client-side apply
    // applied while the object still matches the annotation, then kubectl hands the client-side
    // manager's fields to its own (a JSON patch of managedFields) and applies again, which removes c.
    const ssa = await kubectl(['apply', '--server-side', '-f', '-'], manifest({ a: 'x' }));
    assert.equal(ssa.stdout, 'configmap/csa serverside-applied\n', ssa.stderr);
    assert.equal(ssa.stderr, '');
    const switched = JSON.parse((await kubectl(['get', 'cm', 'csa', '-o', 'json'])).stdout);
    assert.deepEqual(switched.data, { a: 'x' });
    assert.deepEqual(JSON.parse(switched.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).data, { a: 'x' });
    const owners = (await managed('cm/csa')).map((e) => [e.manager, e.operation]).sort();
    assert.deepEqual(owners, [['kubectl', 'Apply'], ['kubectl-last-applied', 'Apply']]);

    // And back: client-side apply still works from the annotation the server kept current.
    const back = await kubectl(['apply', '-f', '-'], manifest({ a: 'x', d: '4' }));
    assert.equal(back.stdout, 'configmap/csa configured\n', back.stderr);
    assert.deepEqual(JSON.parse((await kubectl(['get', 'cm', 'csa', '-o', 'json'])).stdout).data, { a: 'x', d: '4' });
  });
});
