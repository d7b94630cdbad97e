import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@kapi/config';
import type { Logger } from '@kapi/telemetry';
import type { EventPublisher } from './event-publisher.js';
import type { Registry } from './registry.js';
import { quotaControllerSettings, ResourceQuotaControllerHost } from './resource-quota-controller.js';

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

describe('ResourceQuotaControllerHost', () => {
  it('stays out of the way of another controller manager when switched off, leading or not', async () => {
    const touched: string[] = [];
    const registry = new Proxy({}, { get: (_t, p) => touched.push(String(p)) && (() => {}) }) as unknown as Registry;
    const logged: string[] = [];
    const logger = { info: (msg: string) => logged.push(msg), warn: (msg: string) => logged.push(msg), debug: () => {}, error: () => {} } as unknown as Logger;
    const before = process.env.KAPI_RESOURCE_QUOTA_CONTROLLER;
    process.env.KAPI_RESOURCE_QUOTA_CONTROLLER = 'false';
    try {
      const host = new ResourceQuotaControllerHost(registry, { leading: true } as EventPublisher, logger);
      host.onApplicationBootstrap();
      await host.tick();
      await host.onApplicationShutdown();
    } finally {
      if (before === undefined) delete process.env.KAPI_RESOURCE_QUOTA_CONTROLLER;
      else process.env.KAPI_RESOURCE_QUOTA_CONTROLLER = before;
    }
    assert.deepEqual(touched, []);
    assert.deepEqual(logged, ['the resource quota controller is off (KAPI_RESOURCE_QUOTA_CONTROLLER=false): another controller manager keeps quota status']);
  });
});
