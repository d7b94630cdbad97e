// default/kubernetes follows the live front doors through their identity leases.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startTestStack, type TestStack } from './harness.js';

describe('kubernetes endpoints from identity leases', () => {
  let stack: TestStack;

  before(async () => {
    stack = await startTestStack({ aggregatorReplicas: 2 });
  });

  after(async () => {
    await stack?.stop();
  });

  const frontDoors = () => stack.handle.topology.services.filter((s) => s.service === 'aggregator');

  it('gives every front door a labelled identity lease in kube-system', async () => {
    await eventually(async () => {
      const leases = JSON.parse((await stack.kubectl(['-n', 'kube-system', 'get', 'leases', '-l', 'apiserver.kubernetes.io/identity=kube-apiserver', '-o', 'json'])).stdout);
      assert.equal(leases.items.length, 2);
      for (const l of leases.items) {
        assert.match(l.metadata.name, /^apiserver-[0-9a-f]{26}$/);
        assert.equal(l.spec.leaseDurationSeconds, 15);
        assert.match(l.spec.renewTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      }
    });
  });

  it('lists exactly the live front doors in the Endpoints and the EndpointSlice, and drops a dead one', async () => {
    const expected = frontDoors().map((f) => f.listen.host).sort();
    const port = frontDoors()[0].listen.port;
    const endpointIps = async () => {
      const ep = JSON.parse((await stack.kubectl(['-n', 'default', 'get', 'endpoints', 'kubernetes', '-o', 'json'])).stdout);
      return (ep.subsets?.[0]?.addresses ?? []).map((a: { ip: string }) => a.ip).sort();
    };
    const sliceIps = async () => {
      const slice = JSON.parse((await stack.kubectl(['-n', 'default', 'get', 'endpointslices', 'kubernetes', '-o', 'json'])).stdout);
      return slice.endpoints.flatMap((e: { addresses: string[] }) => e.addresses).sort();
    };
    await eventually(async () => {
      assert.deepEqual(await endpointIps(), expected);
      assert.deepEqual(await sliceIps(), expected);
    });
    const table = await stack.kubectl(['-n', 'default', 'get', 'endpoints', 'kubernetes']);
    assert.match(table.stdout, new RegExp(`^NAME\\s+ENDPOINTS\\s+AGE\\nkubernetes\\s+${expected.map((ip) => `${ip.replace(/\./g, '\\.')}:${port}`).join(',')}\\s+\\d+s\\n$`));
    // Endpoints are deprecated in 1.33: kube-apiserver says so on every request for them.
    assert.equal(table.stderr, 'Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\n');

    await stack.handle.killInstance('aggregator-1');
    const survivor = frontDoors()[0].listen.host;
    await eventually(async () => {
      assert.deepEqual(await endpointIps(), [survivor]);
      assert.deepEqual(await sliceIps(), [survivor]);
    }, 40_000);
  });
});
