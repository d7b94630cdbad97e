// The infrastructure kinds kube-apiserver v1.34 serves by default, through the real kubectl:
// storage.k8s.io's CSINode, CSIStorageCapacity and VolumeAttributesClass, networking.k8s.io's
// ServiceCIDR (the default `kubernetes` one included) and IPAddress, resource.k8s.io's DRA kinds,
// and the legacy core ones: ComponentStatus (probed, deprecated) and Binding (binds a pod).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiResourceLine, eventually, startTestStack, type TestStack } from './harness.js';

const SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

const claimSpec = { devices: { requests: [{ name: 'gpu', exactly: { deviceClassName: 'gpu.example.com' } }] } };
const objects = [
  { apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name: 'node-a' }, spec: { drivers: [{ name: 'csi.example.com', nodeID: 'node-a', topologyKeys: ['topology.example.com/zone'], allocatable: { count: 10 } }] } },
  { apiVersion: 'storage.k8s.io/v1', kind: 'CSIStorageCapacity', metadata: { name: 'cap-1', namespace: 'default' }, storageClassName: 'standard', capacity: '10Gi', nodeTopology: { matchLabels: { zone: 'a' } } },
  { apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttributesClass', metadata: { name: 'gold' }, driverName: 'csi.example.com', parameters: { iops: '1000' } },
  { apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR', metadata: { name: 'extra' }, spec: { cidrs: ['10.100.0.0/16', 'fd00:10::/108'] } },
  { apiVersion: 'networking.k8s.io/v1', kind: 'IPAddress', metadata: { name: '10.100.0.10' }, spec: { parentRef: { group: '', resource: 'services', namespace: 'default', name: 'web' } } },
  { apiVersion: 'resource.k8s.io/v1', kind: 'DeviceClass', metadata: { name: 'gpu.example.com' }, spec: { selectors: [{ cel: { expression: 'device.driver == "gpu.example.com"' } }] } },
  { apiVersion: 'resource.k8s.io/v1', kind: 'ResourceClaim', metadata: { name: 'claim-1', namespace: 'default' }, spec: claimSpec },
  { apiVersion: 'resource.k8s.io/v1', kind: 'ResourceClaimTemplate', metadata: { name: 'tmpl-1', namespace: 'default' }, spec: { spec: claimSpec } },
  {
    apiVersion: 'resource.k8s.io/v1',
    kind: 'ResourceSlice',
    metadata: { name: 'node-a-gpu' },
    spec: { driver: 'gpu.example.com', nodeName: 'node-a', pool: { name: 'node-a', generation: 1, resourceSliceCount: 1 }, devices: [{ name: 'gpu-0', attributes: { model: { string: 'a100' } } }] },
  },
];

describe('infrastructure kinds', () => {
  let stack: TestStack;
  const create = (obj: unknown) => stack.kubectl(['create', '-f', '-'], { input: JSON.stringify(obj) });

  before(async () => {
    stack = await startTestStack({ aggregatorReplicas: 1 });
  });

  after(async () => {
    await stack?.stop();
  });

  it('lists them in kubectl api-resources with their short names, scope and verbs', async () => {
    const res = await stack.kubectl(['api-resources']);
    assert.equal(res.code, 0, res.stderr);
    const expected: [string, string, string, string, string][] = [
      ['bindings', '', 'v1', 'true', 'Binding'],
      ['componentstatuses', 'cs', 'v1', 'false', 'ComponentStatus'],
      ['ipaddresses', 'ip', 'networking.k8s.io/v1', 'false', 'IPAddress'],
      ['servicecidrs', '', 'networking.k8s.io/v1', 'false', 'ServiceCIDR'],
      ['deviceclasses', '', 'resource.k8s.io/v1', 'false', 'DeviceClass'],
      ['resourceclaims', '', 'resource.k8s.io/v1', 'true', 'ResourceClaim'],
      ['resourceclaimtemplates', '', 'resource.k8s.io/v1', 'true', 'ResourceClaimTemplate'],
      ['resourceslices', '', 'resource.k8s.io/v1', 'false', 'ResourceSlice'],
      ['csinodes', '', 'storage.k8s.io/v1', 'false', 'CSINode'],
      ['csistoragecapacities', '', 'storage.k8s.io/v1', 'true', 'CSIStorageCapacity'],
      ['volumeattributesclasses', 'vac', 'storage.k8s.io/v1', 'false', 'VolumeAttributesClass'],
    ];
    for (const resource of expected) assert.match(res.stdout, apiResourceLine(resource), `${resource[0]} in\n${res.stdout}`);
    const wide = (await stack.kubectl(['api-resources', '-o', 'wide'])).stdout;
    assert.match(wide, /\nbindings\s+v1\s+true\s+Binding\s+create\s*\n/);
    assert.match(wide, /\ncomponentstatuses\s+cs\s+v1\s+false\s+ComponentStatus\s+get,list\s*\n/);
  });

  it('describes them in discovery as kube-apiserver does', async () => {
    const resources = async (path: string) =>
      (JSON.parse((await stack.kubectl(['get', '--raw', path])).stdout).resources as Record<string, unknown>[]).map(({ storageVersionHash: _hash, ...r }) => r);
    const verbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
    const storage = await resources('/apis/storage.k8s.io/v1');
    assert.deepEqual(storage.find((r) => r.name === 'csinodes'), { name: 'csinodes', singularName: 'csinode', namespaced: false, kind: 'CSINode', verbs });
    assert.deepEqual(storage.find((r) => r.name === 'volumeattributesclasses'), { name: 'volumeattributesclasses', singularName: 'volumeattributesclass', namespaced: false, kind: 'VolumeAttributesClass', verbs, shortNames: ['vac'] });
    const networking = await resources('/apis/networking.k8s.io/v1');
    assert.deepEqual(networking.find((r) => r.name === 'servicecidrs/status'), { name: 'servicecidrs/status', singularName: '', namespaced: false, kind: 'ServiceCIDR', verbs: ['get', 'patch', 'update'] });
    const dra = await resources('/apis/resource.k8s.io/v1');
    assert.deepEqual(dra.map((r) => r.name), ['deviceclasses', 'resourceclaims', 'resourceclaims/status', 'resourceclaimtemplates', 'resourceslices']);
    const core = await resources('/api/v1');
    assert.deepEqual(core.find((r) => r.name === 'componentstatuses'), { name: 'componentstatuses', singularName: 'componentstatus', namespaced: false, kind: 'ComponentStatus', verbs: ['get', 'list'], shortNames: ['cs'] });
    assert.deepEqual(core.find((r) => r.name === 'bindings'), { name: 'bindings', singularName: 'binding', namespaced: true, kind: 'Binding', verbs: ['create'] });
  });

  it('creates each kind and prints kube\'s columns', async () => {
    for (const obj of objects) {
      const res = await create(obj);
      assert.equal(res.code, 0, res.stderr);
    }
    const table = async (resource: string, ...args: string[]) => (await stack.kubectl(['get', resource, ...args])).stdout;
    assert.match(await table('csinodes'), /^NAME\s+DRIVERS\s+AGE\nnode-a\s+1\s+\d+s\n$/);
    assert.match(await table('csistoragecapacities'), /^NAME\s+CREATED AT\ncap-1\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/);
    assert.match(await table('vac'), /^NAME\s+DRIVERNAME\s+AGE\ngold\s+csi\.example\.com\s+\d+s\n$/);
    assert.match(await table('ip', '10.100.0.10'), /^NAME\s+PARENTREF\n10\.100\.0\.10\s+services\/default\/web\n$/);
    assert.match(await table('servicecidrs', 'extra'), /^NAME\s+CIDRS\s+AGE\nextra\s+10\.100\.0\.0\/16,fd00:10::\/108\s+\d+s\n$/);
    assert.match(await table('deviceclasses'), /^NAME\s+AGE\ngpu\.example\.com\s+\d+s\n$/);
    assert.match(await table('resourceclaims'), /^NAME\s+STATE\s+AGE\nclaim-1\s+pending\s+\d+s\n$/);
    assert.match(await table('resourceclaimtemplates'), /^NAME\s+AGE\ntmpl-1\s+\d+s\n$/);
    assert.match(await table('resourceslices', '--field-selector', 'spec.nodeName=node-a'), /^NAME\s+NODE\s+DRIVER\s+POOL\s+AGE\nnode-a-gpu\s+node-a\s+gpu\.example\.com\s+node-a\s+\d+s\n$/);

    const claim = JSON.parse((await stack.kubectl(['get', 'resourceclaim', 'claim-1', '-o', 'json'])).stdout);
    assert.deepEqual(claim.spec.devices.requests[0].exactly, { allocationMode: 'ExactCount', count: 1, deviceClassName: 'gpu.example.com' });
    assert.deepEqual(claim.status, {});
    const slice = JSON.parse((await stack.kubectl(['get', 'resourceslice', 'node-a-gpu', '-o', 'json'])).stdout);
    assert.equal(slice.metadata.generation, 1);
  });

  it('refuses bad objects and forbidden changes in kube-apiserver\'s words', async () => {
    const stderr = async (obj: unknown) => (await create(obj)).stderr;
    assert.equal(
      await stderr({ apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name: 'bad' }, spec: { drivers: [{ name: '', nodeID: '' }, { name: 'csi.a', nodeID: 'y' }, { name: 'csi.a', nodeID: 'z' }] } }),
      `The CSINode "bad" is invalid: \n* spec.drivers[0].name: Required value\n* spec.drivers[0].name: Invalid value: "": ${SUBDOMAIN}\n* spec.drivers[0].nodeID: Required value\n* spec.drivers[2].name: Duplicate value: "csi.a"\n`,
    );
    assert.equal(
      await stderr({ apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR', metadata: { name: 's3' }, spec: { cidrs: ['10.0.0.0/16', '10.1.0.0/16'] } }),
      'The ServiceCIDR "s3" is invalid: spec.cidrs: Invalid value: ["10.0.0.0/16","10.1.0.0/16"]: may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64\n',
    );
    assert.equal(
      await stderr({ apiVersion: 'networking.k8s.io/v1', kind: 'IPAddress', metadata: { name: '2001:db8::0001' }, spec: { parentRef: { resource: 'services', name: 'x', namespace: 'default' } } }),
      'The IPAddress "2001:db8::0001" is invalid: metadata.name: Invalid value: "2001:db8::0001": must be in canonical form ("2001:db8::1")\n',
    );
    assert.equal(
      await stderr({ apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttributesClass', metadata: { name: 'v1' } }),
      'The VolumeAttributesClass "v1" is invalid: \n* driverName: Required value\n* parameters: Required value: must contain at least one key/value pair\n',
    );
    assert.equal(
      await stderr({
        apiVersion: 'resource.k8s.io/v1',
        kind: 'ResourceClaim',
        metadata: { name: 'c2', namespace: 'default' },
        spec: { devices: { requests: [{ name: '' }, { name: 'a', exactly: { deviceClassName: '' } }, { name: 'a', exactly: { deviceClassName: 'x', allocationMode: 'Bad' } }] } },
      }),
      `The ResourceClaim "c2" is invalid: \n* spec.devices.requests[0].name: Invalid value: "": ${LABEL}\n* spec.devices.requests[0]: Required value: exactly one of \`exactly\` or \`firstAvailable\` is required\n* spec.devices.requests[1].exactly.deviceClassName: Required value\n* spec.devices.requests[2].exactly.allocationMode: Unsupported value: "Bad": supported values: "All", "ExactCount"\n* spec.devices.requests[2].name: Duplicate value: "a"\n`,
    );
    assert.equal(
      (await stack.kubectl(['patch', 'servicecidr', 'extra', '--type=merge', '-p', '{"spec":{"cidrs":["10.101.0.0/16"]}}'])).stderr,
      'The ServiceCIDR "extra" is invalid: spec.cidrs: Invalid value: ["10.101.0.0/16"]: field is immutable\n',
    );
    assert.equal(
      (await stack.kubectl(['patch', 'resourceslice', 'node-a-gpu', '--type=merge', '-p', '{"spec":{"driver":"other.com"}}'])).stderr,
      'The ResourceSlice "node-a-gpu" is invalid: spec.driver: Invalid value: "other.com": field is immutable\n',
    );
  });

  it('keeps the default ServiceCIDR for the service range, ready', async () => {
    await eventually(async () => {
      const cidr = JSON.parse((await stack.kubectl(['get', 'servicecidr', 'kubernetes', '-o', 'json'])).stdout || '{}');
      assert.deepEqual(cidr.spec, { cidrs: ['10.96.0.0/12'] });
      assert.deepEqual(
        cidr.status.conditions.map((c: Record<string, string>) => [c.type, c.status, c.reason, c.message]),
        [['Ready', 'True', '', 'Kubernetes Service CIDR is ready']],
      );
    }, 60_000);
  });

  it('records each Service\'s cluster IP as an IPAddress, as kube\'s allocator does, and forgets it with the Service', async () => {
    const parent = async (ip: string) => (await stack.kubectl(['get', 'ipaddress', ip, '-o', 'jsonpath={.spec.parentRef.resource}/{.spec.parentRef.namespace}/{.spec.parentRef.name} {.metadata.labels}'])).stdout;
    await eventually(async () => {
      assert.equal(await parent('10.96.0.1'), 'services/default/kubernetes {"ipaddress.kubernetes.io/ip-family":"IPv4","ipaddress.kubernetes.io/managed-by":"ipallocator.k8s.io"}');
    }, 60_000);
    const created = await create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'default' }, spec: { ports: [{ port: 5432 }] } });
    assert.equal(created.code, 0, created.stderr);
    const ip = (await stack.kubectl(['get', 'service', 'db', '-o', 'jsonpath={.spec.clusterIP}'])).stdout;
    assert.match(await parent(ip), /^services\/default\/db /);
    assert.equal((await stack.kubectl(['delete', 'service', 'db'])).code, 0);
    assert.match((await stack.kubectl(['get', 'ipaddress', ip])).stderr, /NotFound/);
  });

  it('answers componentstatuses with kube\'s deprecation warning, and only reads them', async () => {
    const res = await stack.kubectl(['get', 'cs']);
    assert.equal(res.stderr, 'Warning: v1 ComponentStatus is deprecated in v1.19+\n');
    assert.match(res.stdout, /^NAME\s+STATUS\s+MESSAGE\s+ERROR\n/);
    assert.match(res.stdout, /\netcd-0\s+Healthy\s+ok\s*\n/);
    assert.match(res.stdout, /\nscheduler\s+(Healthy|Unhealthy)\s/);
    const refused = await stack.kubectl(['delete', 'cs', 'etcd-0']);
    assert.match(refused.stderr, /Error from server \(MethodNotAllowed\): the server does not allow this method on the requested resource\n$/);
  });

  it('binds a pod through the legacy bindings resource, once', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'web', image: 'nginx' }] } };
    assert.equal((await create(pod)).code, 0);
    const binding = (node: string) => ({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web', namespace: 'default' }, target: { kind: 'Node', name: node } });
    const bound = await create(binding('node-a'));
    assert.equal(bound.code, 0, bound.stderr);
    assert.equal((await stack.kubectl(['get', 'pod', 'web', '-o', 'jsonpath={.spec.nodeName}'])).stdout, 'node-a');
    assert.equal(
      (await create(binding('node-b'))).stderr,
      'Error from server (Conflict): error when creating "STDIN": Operation cannot be fulfilled on pods/binding "web": pod web is already assigned to node "node-a"\n',
    );
  });
});
