import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateJsonPath, parseJsonPath } from './json-path.js';

const obj = {
  metadata: { name: 'w', labels: { 'app.kubernetes.io/name': 'demo' } },
  spec: { ports: [{ port: 80 }, { port: 443 }], ready: true },
  status: { conditions: [{ type: 'Synced', status: 'False' }, { type: 'Ready', status: 'True', count: 2 }] },
};
const values = (path: string) => evaluateJsonPath(parseJsonPath(path)!, obj);

describe('printer columns JSONPath', () => {
  it('reads fields, quoted fields, indexes from either end and wildcards', () => {
    assert.deepEqual(values('.metadata.name'), ['w']);
    assert.deepEqual(values(".metadata.labels['app.kubernetes.io/name']"), ['demo']);
    assert.deepEqual(values('.spec.ports[0].port'), [80]);
    assert.deepEqual(values('.spec.ports[-1].port'), [443]);
    assert.deepEqual(values('.spec.ports[*].port'), [80, 443]);
    assert.deepEqual(values('{.spec.ready}'), [true]);
  });

  it('filters list items by a field compared with a literal', () => {
    assert.deepEqual(values('.status.conditions[?(@.type=="Ready")].status'), ['True']);
    assert.deepEqual(values(".status.conditions[?(@.type!='Ready')].type"), ['Synced']);
    assert.deepEqual(values('.status.conditions[?(@.count==2)].type'), ['Ready']);
  });

  it('reaches nothing where the object has nothing, and refuses what it cannot read', () => {
    assert.deepEqual(values('.spec.missing.deeper'), []);
    assert.deepEqual(values('.spec.ports[5]'), []);
    assert.equal(parseJsonPath('.spec[?(@.a > 1)]'), undefined);
  });
});
