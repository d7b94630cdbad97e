import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@kapi/config';
import { quotaControllerSettings } from './resource-quota-controller.js';

describe('quotaControllerSettings', () => {
  it('runs the controller by default, recalculating every five minutes as kube-controller-manager does', () => {
    assert.deepEqual(quotaControllerSettings({}), { enabled: true, resyncPeriodMs: 300_000 });
  });

  it('steps aside with KAPI_RESOURCE_QUOTA_CONTROLLER=false, and takes the sync period as a Go duration', () => {
    assert.deepEqual(quotaControllerSettings({ KAPI_RESOURCE_QUOTA_CONTROLLER: 'false', KAPI_RESOURCE_QUOTA_SYNC_PERIOD: '1m30s' }), { enabled: false, resyncPeriodMs: 90_000 });
  });

  it('stops the start in one line for a value it cannot use', () => {
    assert.throws(() => quotaControllerSettings({ KAPI_RESOURCE_QUOTA_CONTROLLER: 'no' }), new ConfigError('KAPI_RESOURCE_QUOTA_CONTROLLER="no" is not true or false'));
    assert.throws(() => quotaControllerSettings({ KAPI_RESOURCE_QUOTA_SYNC_PERIOD: '0s' }), new ConfigError('KAPI_RESOURCE_QUOTA_SYNC_PERIOD="0s" must be positive'));
    assert.throws(() => quotaControllerSettings({ KAPI_RESOURCE_QUOTA_SYNC_PERIOD: 'soon' }), ConfigError);
  });
});
