import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KindCatalogue } from '@kapi/kinds';
import { notDanglingStatus, platformBootstrapSets } from './bootstrap-platform.js';

describe('platformBootstrapSets', () => {
  const sets = platformBootstrapSets(new KindCatalogue());

  it('creates priority levels before the flow schemas that name them', () => {
    assert.deepEqual(
      sets.map((s) => `${s.group}/${s.resource}`),
      ['apiregistration.k8s.io/apiservices', 'flowcontrol.apiserver.k8s.io/prioritylevelconfigurations', 'flowcontrol.apiserver.k8s.io/flowschemas'],
    );
  });

  it('announces a local APIService for every group/version the catalogue serves', () => {
    const catalogue = new KindCatalogue();
    const names = sets[0].objects.map((o) => o.metadata!.name);
    assert.deepEqual(names, catalogue.groupVersions().map((gv) => `${gv.version}.${gv.group}`));
    for (const name of ['v1.', 'v1.rbac.authorization.k8s.io', 'v1.apiregistration.k8s.io', 'v1.flowcontrol.apiserver.k8s.io']) assert.ok(names.includes(name), name);
    assert.ok(sets[0].objects.every((o) => !(o.spec as { service?: unknown }).service), 'all local');
  });

  it("includes kube's mandatory and suggested APF objects", () => {
    const names = (i: number) => sets[i].objects.map((o) => o.metadata!.name);
    for (const name of ['exempt', 'catch-all', 'system', 'node-high', 'leader-election', 'workload-high', 'workload-low', 'global-default']) assert.ok(names(1).includes(name), name);
    for (const name of ['exempt', 'catch-all', 'probes', 'system-leader-election', 'workload-leader-election', 'global-default', 'service-accounts']) assert.ok(names(2).includes(name), name);
  });
});

describe('notDanglingStatus', () => {
  it("reports the referenced priority level as found, in kube's words", () => {
    const fs = notDanglingStatus({ metadata: { name: 'probes' }, spec: { priorityLevelConfiguration: { name: 'exempt' } } });
    const [c] = (fs.status as { conditions: Record<string, string>[] }).conditions;
    assert.deepEqual([c.type, c.status, c.reason, c.message], ['Dangling', 'False', 'Found', 'This FlowSchema references the PriorityLevelConfiguration object named "exempt" and it exists']);
  });
});
