import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { MANDATORY_FLOW_SCHEMAS, MANDATORY_PRIORITY_LEVELS, SUGGESTED_FLOW_SCHEMAS, SUGGESTED_PRIORITY_LEVELS } from './bootstrap.js';
import { flowSchemaStrategy as strategy } from './strategy.js';

const schema = (spec: Record<string, unknown>): KubeObject => ({ metadata: { name: 'fs' }, spec });
const rule = { subjects: [{ kind: 'Group', group: { name: 'dev' } }], nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/x'] }] };
const errors = (spec: Record<string, unknown>) => {
  const obj = schema(spec);
  prepareNew(strategy, obj);
  return strategy.validate(obj).map(renderFieldError);
};

describe('flowSchemaStrategy', () => {
  it('defaults matchingPrecedence to 1000', () => {
    const obj = schema({ priorityLevelConfiguration: { name: 'global-default' }, rules: [rule] });
    prepareNew(strategy, obj);
    assert.equal((obj.spec as { matchingPrecedence: number }).matchingPrecedence, 1000);
    assert.deepEqual(strategy.validate(obj), []);
  });

  it('refuses what kube refuses', () => {
    assert.deepEqual(errors({ matchingPrecedence: 10001, rules: [{ subjects: [] }] }), [
      'spec.priorityLevelConfiguration.name: Required value: must reference a priority level',
      'spec.matchingPrecedence: Invalid value: 10001: must be between 1 and 10000 inclusive',
      'spec.rules[0].subjects: Required value: subjects must contain at least one value',
      'spec.rules[0].resourceRules: Required value: at least one of resourceRules and nonResourceRules has to be non-empty',
    ]);
    assert.deepEqual(errors({ priorityLevelConfiguration: { name: 'x' }, distinguisherMethod: { type: 'ByIP' }, rules: [rule] }), [
      'spec.distinguisherMethod.type: Unsupported value: "ByIP": supported values: "ByNamespace", "ByUser"',
    ]);
  });

  it('prints NAME PRIORITYLEVEL MATCHINGPRECEDENCE DISTINGUISHERMETHOD AGE MISSINGPL', () => {
    assert.deepEqual(strategy.tableColumns.map((c) => c.name), ['Name', 'PriorityLevel', 'MatchingPrecedence', 'DistinguisherMethod', 'Age', 'MissingPL']);
    const exempt = MANDATORY_FLOW_SCHEMAS[0];
    const cells = (obj: KubeObject) => strategy.tableColumns.filter((c) => c.name !== 'Age').map((c) => c.cell(obj, 0));
    assert.deepEqual(cells(exempt), ['exempt', 'exempt', 1, '<none>', '?']);
    assert.deepEqual(cells({ ...MANDATORY_FLOW_SCHEMAS[1], status: { conditions: [{ type: 'Dangling', status: 'False' }] } }), ['catch-all', 'catch-all', 10000, 'ByUser', 'False']);
  });
});

describe("kube's bootstrap flow schemas", () => {
  const schemas = [...MANDATORY_FLOW_SCHEMAS, ...SUGGESTED_FLOW_SCHEMAS];
  it('are valid, unchanged by defaulting, and name existing priority levels', () => {
    const levels = new Set([...MANDATORY_PRIORITY_LEVELS, ...SUGGESTED_PRIORITY_LEVELS].map((l) => l.metadata!.name));
    for (const obj of schemas) {
      const copy = structuredClone(obj);
      prepareNew(strategy, copy);
      assert.deepEqual(copy.spec, obj.spec, obj.metadata!.name);
      assert.deepEqual(strategy.validate(copy), [], obj.metadata!.name);
      assert.ok(levels.has((obj.spec as { priorityLevelConfiguration: { name: string } }).priorityLevelConfiguration.name), obj.metadata!.name);
      assert.deepEqual(obj.metadata!.annotations, { 'apf.kubernetes.io/autoupdate-spec': 'true' });
    }
  });

  it('include the mandatory exempt and catch-all and the suggested ones', () => {
    assert.deepEqual(
      schemas.map((s) => s.metadata!.name),
      ['exempt', 'catch-all', 'system-nodes', 'system-node-high', 'probes', 'system-leader-election', 'workload-leader-election', 'endpoint-controller', 'kube-controller-manager', 'kube-scheduler', 'kube-system-service-accounts', 'service-accounts', 'global-default'],
    );
  });
});
