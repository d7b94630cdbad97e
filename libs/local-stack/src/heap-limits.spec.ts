import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_HEAP_LIMITS_MIB, heapLimitFlag, heapLimitsFromEnv } from './heap-limits';
import { defaultServiceCommand } from './stack';

describe('heap limits', () => {
  it('gives every service a default limit, the watch cache the largest', () => {
    assert.deepEqual(heapLimitsFromEnv({}), DEFAULT_HEAP_LIMITS_MIB);
    assert.equal(Math.max(...Object.values(DEFAULT_HEAP_LIMITS_MIB)), DEFAULT_HEAP_LIMITS_MIB['watch-cache']);
  });

  it('reads KAPI_<SERVICE>_MAX_OLD_SPACE_SIZE per service', () => {
    const limits = heapLimitsFromEnv({ KAPI_WATCH_CACHE_MAX_OLD_SPACE_SIZE: '2048', KAPI_AGGREGATOR_MAX_OLD_SPACE_SIZE: '300' });
    assert.equal(limits['watch-cache'], 2048);
    assert.equal(limits.aggregator, 300);
    assert.equal(limits.registry, DEFAULT_HEAP_LIMITS_MIB.registry);
  });

  it('refuses a value that is not a size in MiB, in one line', () => {
    for (const value of ['1g', '-5', '10', '512.5']) {
      assert.throws(() => heapLimitsFromEnv({ KAPI_REGISTRY_MAX_OLD_SPACE_SIZE: value }), new RegExp(`^StackError: KAPI_REGISTRY_MAX_OLD_SPACE_SIZE=${value.replace('.', '\\.')} is invalid`));
    }
  });

  it('starts each service with its limit as a Node flag before the entry point', () => {
    const limits = heapLimitsFromEnv({ KAPI_REGISTRY_MAX_OLD_SPACE_SIZE: '640' });
    const command = defaultServiceCommand({ service: 'registry', index: 0, instance: 'registry-0', listen: { host: '127.0.0.1', port: 50054 } }, limits);
    assert.deepEqual(command.args, [heapLimitFlag('registry', limits), 'services/registry/dist/main.js']);
    assert.equal(command.args[0], '--max-old-space-size=640');
  });
});
