import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseControllers, type KnownController } from './index.js';

const KNOWN: KnownController[] = [
  { name: 'namespace-controller', alias: 'namespace' },
  { name: 'garbage-collector-controller', alias: 'garbagecollector' },
  { name: 'serviceaccount-controller', alias: 'serviceaccount' },
  { name: 'bootstrap-signer-controller', alias: 'bootstrapsigner', disabledByDefault: true },
];
const enabled = (value: string | undefined) => parseControllers(value, KNOWN).enabledNames();

describe('parseControllers (kube-controller-manager --controllers)', () => {
  it('runs every controller on by default when unset or empty, as `*`', () => {
    const defaults = ['namespace-controller', 'garbage-collector-controller', 'serviceaccount-controller'];
    assert.deepEqual(enabled(undefined), defaults);
    assert.deepEqual(enabled(''), defaults);
    assert.deepEqual(enabled('*'), defaults);
  });

  it('turns one off with -name, by name or alias, and one on that is off by default', () => {
    assert.deepEqual(enabled('*,-namespace'), ['garbage-collector-controller', 'serviceaccount-controller']);
    assert.deepEqual(enabled('*, -serviceaccount-controller ,bootstrapsigner'), ['namespace-controller', 'garbage-collector-controller', 'bootstrap-signer-controller']);
  });

  it('runs only the controllers named when there is no `*`', () => {
    assert.deepEqual(enabled('namespace'), ['namespace-controller']);
    assert.deepEqual(enabled('-namespace'), []);
    assert.deepEqual(enabled('-namespace,-garbagecollector,-serviceaccount'), []);
  });

  it('lets the first entry naming a controller decide', () => {
    assert.deepEqual(enabled('-namespace,*,namespace'), ['garbage-collector-controller', 'serviceaccount-controller']);
    assert.deepEqual(enabled('serviceaccount,-serviceaccount'), ['serviceaccount-controller']);
  });

  it('answers by name or alias', () => {
    const selection = parseControllers('*,-garbagecollector', KNOWN);
    assert.equal(selection.enabled('garbagecollector'), false);
    assert.equal(selection.enabled('garbage-collector-controller'), false);
    assert.equal(selection.enabled('namespace'), true);
    assert.deepEqual(selection.entries, ['*', '-garbage-collector-controller']);
  });

  it('refuses a name it does not know, as kube-controller-manager does', () => {
    assert.throws(() => parseControllers('*,-nodelifecycle', KNOWN), (err: Error) => err instanceof ConfigError && /"nodelifecycle" is not in the list of known controllers/.test(err.message));
    assert.throws(() => parseControllers('namespace,', KNOWN), /"" is not in the list of known controllers/);
  });
});
