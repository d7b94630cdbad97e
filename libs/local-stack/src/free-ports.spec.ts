import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TEST_FRONT_DOOR_BASE_ADDRESS, withFreePorts } from './free-ports';
import { listeningAddresses, resolveTopology } from './topology';

describe('withFreePorts', () => {
  test('fills every port, keeps caller choices, and avoids the npm run up addresses', async () => {
    const options = await withFreePorts({ replicas: { registry: 2 }, natsPort: 4999 });
    assert.equal(options.natsPort, 4999);
    assert.equal(options.frontDoorBaseAddress, TEST_FRONT_DOOR_BASE_ADDRESS);
    const topology = resolveTopology(options);
    const defaults = new Set(listeningAddresses(resolveTopology()).map((a) => `${a.host}:${a.port}`));
    for (const address of listeningAddresses(topology)) {
      assert.ok(!defaults.has(`${address.host}:${address.port}`), `${address.owner} took a default address`);
    }
  });
});
