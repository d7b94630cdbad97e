import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PROFILES, parseDuration, parseOptions } from './options.js';

describe('loadtest options', () => {
  it('reads durations as kubectl users write them', () => {
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('2m'), 120_000);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('1500ms'), 1500);
    assert.equal(parseDuration('45'), 45_000);
    assert.throws(() => parseDuration('2 minutes'), /expected e\.g\. 90s/);
  });

  it('takes the profile and lets flags override it', () => {
    const options = parseOptions(['--kubeconfig', 'k', '--profile', 'smoke', '--writers', '9', '--object-size', '0'], new Date('2026-12-07T23:30:00Z'));
    assert.equal(options.durationMs, PROFILES.smoke.durationMs);
    assert.equal(options.writers, 9);
    assert.equal(options.watchers, PROFILES.smoke.watchers);
    assert.equal(options.objectSizeBytes, 0);
    assert.equal(options.kill, 'none');
    assert.equal(options.namespace, 'loadtest-20261207t233000z');
    assert.equal(options.reportDir, 'loadtest-report-20261207t233000z');
    assert.equal(parseOptions(['--kubeconfig', 'k'], new Date(), {}).stateDir, '.kapi');
    assert.equal(parseOptions(['--kubeconfig', 'k'], new Date(), { KAPI_STATE_DIR: '/tmp/second' }).stateDir, '/tmp/second', 'as npm run up and status read it');
  });

  it('refuses what it cannot do, naming the flag', () => {
    assert.throws(() => parseOptions([]), /--kubeconfig is required/);
    assert.throws(() => parseOptions(['--kubeconfig', 'k', '--profile', 'huge']), /--profile huge: expected one of smoke, default, heavy/);
    assert.throws(() => parseOptions(['--kubeconfig', 'k', '--kill', 'pods']), /--kill pods: expected local, kubernetes or none/);
    assert.throws(() => parseOptions(['--kubeconfig', 'k', '--kill', 'kubernetes']), /--kill kubernetes needs --cluster-kubeconfig/);
    assert.throws(() => parseOptions(['--kubeconfig', 'k', '--kill', 'local', '--helm-upgrade', 'charts/kapi']), /--helm-upgrade upgrades a Helm release: it goes with --kill kubernetes/);
    const upgrade = parseOptions(['--kubeconfig', 'k', '--kill', 'kubernetes', '--cluster-kubeconfig', 'c', '--helm-upgrade', 'charts/kapi'], new Date(), {});
    assert.equal(upgrade.helmUpgrade, 'charts/kapi');
    assert.equal(upgrade.helm, 'helm');
    assert.throws(() => parseOptions(['--kubeconfig', 'k', '--rolling-restart']), /--rolling-restart restarts the processes of a local stack: it goes with --kill local/);
    assert.equal(parseOptions(['--kubeconfig', 'k', '--kill', 'local', '--rolling-restart']).rollingRestart, true);
    assert.equal(parseOptions(['--kubeconfig', 'k', '--kill', 'local']).rollingRestart, false);
    assert.throws(() => parseOptions(['--kubeconfig', 'k', '--writers', '0']), /--writers 0/);
    assert.throws(() => parseOptions(['--kubeconfig', 'k', '--duration', '1s']), /at least 5s/);
  });
});
