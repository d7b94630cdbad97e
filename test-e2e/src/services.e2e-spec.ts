// Services through kubectl: the kubernetes Service every cluster has, cluster IP and node port
// allocation, and kube's columns and errors.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, type TestStack } from './harness.js';

describe('services', () => {
  let stack: TestStack;

  before(async () => {
    stack = await startTestStack({ aggregatorReplicas: 1 });
  });

  after(async () => {
    await stack?.stop();
  });

  it('has the kubernetes Service at the first address of the range', async () => {
    const res = await stack.kubectl(['-n', 'default', 'get', 'service', 'kubernetes']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\nkubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+443\/TCP\s+\d+[sm]\n$/);
  });

  it('allocates a cluster IP and node ports and prints them as kube does', async () => {
    assert.equal((await stack.kubectl(['-n', 'default', 'create', 'service', 'clusterip', 'web', '--tcp=80:8080'])).stdout, 'service/web created\n');
    const web = JSON.parse((await stack.kubectl(['-n', 'default', 'get', 'svc', 'web', '-o', 'json'])).stdout);
    assert.match(web.spec.clusterIP, /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
    assert.deepEqual(web.spec.clusterIPs, [web.spec.clusterIP]);
    assert.deepEqual(web.spec.ports, [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }]);
    assert.equal(web.spec.sessionAffinity, 'None');
    assert.equal(web.spec.type, 'ClusterIP');
    const wide = await stack.kubectl(['-n', 'default', 'get', 'svc', 'web', '-o', 'wide']);
    assert.match(wide.stdout, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\s+SELECTOR\nweb\s+ClusterIP\s+[\d.]+\s+<none>\s+80\/TCP\s+\d+s\s+app=web\n$/);

    assert.equal((await stack.kubectl(['-n', 'default', 'create', 'service', 'nodeport', 'np', '--tcp=80:8080', '--node-port=30080'])).stdout, 'service/np created\n');
    assert.match((await stack.kubectl(['-n', 'default', 'get', 'svc', 'np'])).stdout, /\nnp\s+NodePort\s+[\d.]+\s+<none>\s+80:30080\/TCP\s+\d+s\n$/);

    const dup = await stack.kubectl(['-n', 'default', 'create', 'service', 'clusterip', 'dup', '--tcp=80', `--clusterip=${web.spec.clusterIP}`]);
    assert.equal(
      dup.stderr,
      `error: failed to create ClusterIP service: Service "dup" is invalid: spec.clusterIPs: Invalid value: []string{"${web.spec.clusterIP}"}: failed to allocate IP ${web.spec.clusterIP}: provided IP is already allocated\n`,
    );
    const port = await stack.kubectl(['-n', 'default', 'create', 'service', 'nodeport', 'np2', '--tcp=81:8080', '--node-port=30080']);
    assert.match(port.stderr, /spec.ports\[0\].nodePort: Invalid value: 30080: provided port is already allocated/);

    // Deleting a Service gives its address back.
    await stack.kubectl(['-n', 'default', 'delete', 'svc', 'web']);
    const again = await stack.kubectl(['-n', 'default', 'create', 'service', 'clusterip', 'web2', '--tcp=80', `--clusterip=${web.spec.clusterIP}`]);
    assert.equal(again.stdout, 'service/web2 created\n', again.stderr);
  });

  it('refuses an invalid port with kube field paths', async () => {
    const res = await stack.kubectl(['-n', 'default', 'create', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'bad' }, spec: { ports: [{ port: 0, protocol: 'XTP' }] } }),
    });
    assert.match(res.stderr, /The Service "bad" is invalid: \n\* spec.ports\[0\].port: Invalid value: 0: must be between 1 and 65535, inclusive\n\* spec.ports\[0\].protocol: Unsupported value: "XTP": supported values: "SCTP", "TCP", "UDP"/);
  });
});
