import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@kapi/config';
import type { Leadership } from '@kapi/storage';
import type { Logger } from '@kapi/telemetry';
import { controllerSelection, runSelectedController, SERVICE_ACCOUNT_CONTROLLER, NAMESPACE_CONTROLLER } from './controllers.js';

const quiet = { info: () => {}, warn: () => {}, debug: () => {}, error: () => {}, child: () => quiet } as unknown as Logger;

function leadership(leading: boolean): Leadership & { leading: boolean; set(leading: boolean): void } {
  const listeners = new Set<(leading: boolean) => void>();
  return {
    leading,
    onChange: (l) => (listeners.add(l), () => listeners.delete(l)),
    set(value) {
      this.leading = value;
      for (const l of listeners) l(value);
    },
  };
}

const settle = () => new Promise((r) => setTimeout(r, 10));

describe('KAPI_CONTROLLERS', () => {
  it("runs every controller of kapi's by default, so that a cluster without a controller-manager works", () => {
    assert.deepEqual(controllerSelection({}).enabledNames(), [
      'namespace-controller',
      'garbage-collector-controller',
      'serviceaccount-controller',
      'resourcequota-controller',
      'validatingadmissionpolicy-status-controller',
    ]);
  });

  it("steps aside for a kube-controller-manager's controllers, by kube-controller-manager's names or aliases", () => {
    const selection = controllerSelection({ KAPI_CONTROLLERS: '*,-namespace,-garbagecollector,-serviceaccount,-resourcequota,-validatingadmissionpolicy-status-controller' });
    assert.deepEqual(selection.enabledNames(), []);
    assert.deepEqual(controllerSelection({ KAPI_CONTROLLERS: '*,-serviceaccount' }).enabledNames().includes('serviceaccount-controller'), false);
  });

  it('stops the start for a controller kapi does not have', () => {
    assert.throws(() => controllerSelection({ KAPI_CONTROLLERS: '*,-deployment' }), ConfigError);
  });
});

describe('runSelectedController', () => {
  it('runs a selected controller on the leader only, and stops it when the term ends', async () => {
    const lead = leadership(false);
    const calls: string[] = [];
    const stop = runSelectedController(NAMESPACE_CONTROLLER, lead, { start: () => void calls.push('start'), stop: () => void calls.push('stop') }, quiet, controllerSelection({}));
    await settle();
    assert.deepEqual(calls, []);
    lead.set(true);
    await settle();
    lead.set(false);
    await settle();
    assert.deepEqual(calls, ['start', 'stop']);
    await stop();
  });

  it('never runs a controller KAPI_CONTROLLERS turns off, leading or not', async () => {
    const lead = leadership(true);
    const calls: string[] = [];
    const selection = controllerSelection({ KAPI_CONTROLLERS: '*,-serviceaccount' });
    const stop = runSelectedController(SERVICE_ACCOUNT_CONTROLLER, lead, { start: () => void calls.push('start'), stop: () => void calls.push('stop') }, quiet, selection);
    lead.set(false);
    lead.set(true);
    await settle();
    await stop();
    assert.deepEqual(calls, []);
  });
});
