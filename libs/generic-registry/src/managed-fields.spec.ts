import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError, type KubeObject } from '@kapi/api-machinery';
import { applyConfiguration, updatedManagedFields, type FieldManagerContext } from './managed-fields.js';
import { comparePaths, FieldSet, renderPath, type Path } from './field-set.js';
import { builtinSchemas } from '@kapi/schema';
import { fallbackStructure, schemaStructure, tableStructure } from './structure.js';

const now = new Date('2026-01-02T03:04:05Z');
const configMapGvk = { group: '', version: 'v1', kind: 'ConfigMap' };
const deploymentGvk = { group: 'apps', version: 'v1', kind: 'Deployment' };
const as = (manager: string, gvk = configMapGvk, subresource = ''): FieldManagerContext => ({ manager, subresource, gvk, structure: fallbackStructure, now });

const cm = (data: Record<string, string>, extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cfg', namespace: 'ns' },
  data,
  ...extra,
});

/** Applies and returns the object with its new managedFields, as the store stores it. */
function apply(live: KubeObject | undefined, config: KubeObject, ctx: FieldManagerContext, force = false): KubeObject {
  const { object, managedFields } = applyConfiguration(live, config, force, ctx);
  return { ...object, metadata: { ...object.metadata, managedFields } };
}

function update(old: KubeObject | undefined, obj: KubeObject, ctx: FieldManagerContext): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, managedFields: updatedManagedFields(old, obj, ctx) } };
}

const statusErrorOf = (fn: () => unknown): StatusError => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StatusError);
    return err;
  }
  assert.fail('expected a StatusError');
};

describe('FieldSet', () => {
  it('reads and writes FieldsV1, marking members with members below them with "."', () => {
    const fields = { 'f:data': { '.': {}, 'f:a': {} }, 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } };
    assert.deepEqual(FieldSet.fromFieldsV1(fields).toFieldsV1(), fields);
    assert.equal(FieldSet.fromFieldsV1(fields).size, 5);
  });

  it('orders paths as structured-merge-diff walks a set: members of a level before the levels below', () => {
    const paths: Path[] = [
      ['f:spec', 'f:template', 'f:x'],
      ['f:spec', 'f:replicas'],
      ['f:data', 'f:b'],
      ['f:spec', 'f:containers', 'k:{"name":"a"}', 'f:image'],
      ['f:data', 'f:a'],
      ['f:spec', 'f:containers', 'k:{"name":"a"}'],
    ];
    assert.deepEqual([...paths].sort(comparePaths).map(renderPath), [
      '.data.a',
      '.data.b',
      '.spec.replicas',
      '.spec.containers[name="a"]',
      '.spec.containers[name="a"].image',
      '.spec.template.x',
    ]);
  });

  it('renders paths as structured-merge-diff prints them', () => {
    assert.equal(renderPath(['f:data', 'f:key']), '.data.key');
    assert.equal(renderPath(['f:spec', 'f:ports', 'k:{"port":80,"protocol":"TCP"}', 'f:name']), '.spec.ports[port=80,protocol="TCP"].name');
    assert.equal(renderPath(['f:metadata', 'f:finalizers', 'v:"x"']), '.metadata.finalizers[="x"]');
  });
});

describe('Update operations', () => {
  it('a create gives its manager every field, granular maps included', () => {
    const created = update(undefined, cm({ a: '1' }, { metadata: { name: 'cfg', labels: { app: 'x' } } }), as('kubectl-create'));
    assert.deepEqual(created.metadata?.managedFields, [
      { manager: 'kubectl-create', operation: 'Update', apiVersion: 'v1', time: '2026-01-02T03:04:05Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {}, 'f:a': {} }, 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } } },
    ]);
  });

  it('an update takes only the fields it changed, from whoever owned them', () => {
    const created = update(undefined, cm({ a: '1', b: '2' }), as('kubectl-create'));
    const edited = update(created, { ...created, data: { a: '1', b: 'two', c: '3' } }, as('kubectl-edit'));
    const [create, edit] = edited.metadata!.managedFields!;
    assert.deepEqual(create.fieldsV1, { 'f:data': { '.': {}, 'f:a': {} } });
    assert.deepEqual(edit.fieldsV1, { 'f:data': { 'f:b': {}, 'f:c': {} } });
  });

  it('an update that changes nothing records nothing', () => {
    const created = update(undefined, cm({ a: '1' }), as('kubectl-create'));
    assert.deepEqual(update(created, structuredClone(created), as('other')).metadata?.managedFields, created.metadata?.managedFields);
  });

  it('a single empty entry strips managedFields; the write\'s own changes are recorded afterwards', () => {
    const created = update(undefined, cm({ a: '1' }), as('kubectl-create'));
    assert.deepEqual(updatedManagedFields(created, { ...created, metadata: { ...created.metadata, managedFields: [{}] } }, as('kubectl-patch')), []);
    const [entry, ...rest] = updatedManagedFields(created, { ...created, data: { a: '1', b: '2' }, metadata: { ...created.metadata, managedFields: [{}] } }, as('kubectl-patch'));
    assert.deepEqual([entry.manager, entry.fieldsV1, rest], ['kubectl-patch', { 'f:data': { 'f:b': {} } }, []]);
  });

  it('folds the oldest Update entries past ten into ancient-changes', () => {
    let obj = update(undefined, cm({ k0: '0' }), { ...as('m0'), now: new Date('2026-01-01T00:00:00Z') });
    for (let i = 1; i <= 11; i++) {
      obj = update(obj, { ...obj, data: { ...(obj.data as Record<string, string>), [`k${i}`]: String(i) } }, { ...as(`m${i}`), now: new Date(Date.UTC(2026, 0, 1, 0, 0, i)) });
    }
    const entries = obj.metadata!.managedFields!;
    assert.equal(entries.length, 10);
    assert.deepEqual(entries[0], { manager: 'ancient-changes', operation: 'Update', apiVersion: 'v1', time: '2026-01-01T00:00:02Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {}, 'f:k0': {}, 'f:k1': {}, 'f:k2': {} } } });
    assert.deepEqual(entries.slice(1).map((e) => e.manager), ['m3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10', 'm11']);
  });

  it('managedFields the client sets replace the stored ones', () => {
    const created = update(undefined, cm({ a: '1' }), as('kubectl-client-side-apply'));
    const rewritten = structuredClone(created);
    rewritten.metadata!.managedFields = [{ ...rewritten.metadata!.managedFields![0], manager: 'kubectl', operation: 'Apply' }];
    const [entry] = updatedManagedFields(created, rewritten, as('kubectl-patch'));
    assert.equal(entry.manager, 'kubectl');
    assert.equal(entry.operation, 'Apply');
  });
});

describe('applyConfiguration', () => {
  it('creates: the applier owns exactly its configuration, as an Apply entry', () => {
    const created = apply(undefined, cm({ a: '1' }), as('kubectl'));
    assert.deepEqual(created.data, { a: '1' });
    assert.deepEqual(created.metadata?.managedFields, [
      { manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', time: '2026-01-02T03:04:05Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } },
    ]);
  });

  it('removes a field the applier applied before and no longer applies', () => {
    const first = apply(undefined, cm({ a: '1', b: '2' }), as('kubectl'));
    const second = apply(first, cm({ a: 'one' }), as('kubectl'));
    assert.deepEqual(second.data, { a: 'one' });
    assert.deepEqual(second.metadata?.managedFields?.[0].fieldsV1, { 'f:data': { 'f:a': {} } });
  });

  it('drops a map the removal leaves empty, as structured-merge-diff leaves it null (kube: a policy status whose warnings are gone)', () => {
    const first = apply(undefined, cm({ a: '1' }, { metadata: { name: 'c', namespace: 'ns', labels: { x: 'y' } } }), as('kubectl'));
    const second = apply(first, cm({ a: '1' }), as('kubectl'));
    assert.equal(second.metadata?.labels, undefined);
    assert.deepEqual(second.data, { a: '1' });
  });

  it('keeps a field it no longer applies when another manager also owns it', () => {
    const first = apply(undefined, cm({ a: '1', b: '2' }), as('kubectl'));
    const shared = apply(first, cm({ b: '2' }), as('other'));
    const second = apply(shared, cm({ a: '1' }), as('kubectl'));
    assert.deepEqual(second.data, { a: '1', b: '2' });
  });

  it('leaves fields nobody applied alone', () => {
    const created = update(undefined, cm({ a: '1', other: 'x' }), as('kubectl-create'));
    const applied = apply(created, cm({ a: '1' }), as('kubectl'));
    const again = apply(applied, cm({}), as('kubectl'));
    assert.deepEqual(again.data, { a: '1', other: 'x' }, 'a is still owned by kubectl-create');
  });

  it('refuses to change a field another manager owns: 409 naming the manager and the field', () => {
    const created = update(undefined, cm({ key: 'old' }), as('kubectl-client-side-apply'));
    const err = statusErrorOf(() => applyConfiguration(created, cm({ key: 'new' }), false, as('kubectl')));
    assert.equal(err.httpCode, 409);
    assert.equal(err.reason, 'Conflict');
    assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.key');
    assert.deepEqual(err.details?.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using v1', field: '.data.key' }]);
  });

  it('lists several conflicts grouped by manager', () => {
    const created = update(undefined, cm({ a: '1', b: '2' }), as('creator'));
    const applied = apply(created, cm({ c: '3' }), as('ci'));
    const err = statusErrorOf(() => applyConfiguration(applied, cm({ a: 'x', b: 'y', c: 'z' }), false, as('kubectl')));
    assert.equal(err.message, 'Apply failed with 3 conflicts: conflicts with "ci":\n- .data.c\nconflicts with "creator" using v1:\n- .data.a\n- .data.b');
    assert.equal(err.details?.causes?.length, 3);
  });

  it('applying the value a field already has is no conflict: the applier co-owns it', () => {
    const created = update(undefined, cm({ key: 'same' }), as('creator'));
    const applied = apply(created, cm({ key: 'same' }), as('kubectl'));
    const owners = applied.metadata!.managedFields!.map((e) => [e.manager, e.fieldsV1]);
    assert.deepEqual(owners, [
      ['kubectl', { 'f:data': { 'f:key': {} } }],
      ['creator', { 'f:data': { '.': {}, 'f:key': {} } }],
    ]);
  });

  it('adding a key to a map another manager created as empty is no conflict', () => {
    const created = update(undefined, cm({}), as('creator'));
    const applied = apply(created, cm({ a: '1' }), as('kubectl'));
    assert.deepEqual(applied.data, { a: '1' });
  });

  it('stores no field applied as null', () => {
    const applied = apply(undefined, { ...cm({ a: '1' }), binaryData: null } as unknown as KubeObject, as('kubectl'));
    assert.equal('binaryData' in applied, false);
    assert.deepEqual(applied.metadata?.managedFields?.[0].fieldsV1, { 'f:binaryData': {}, 'f:data': { 'f:a': {} } });
  });

  it('force takes the conflicting fields from their managers', () => {
    const created = update(undefined, cm({ key: 'old', keep: 'x' }), as('creator'));
    const forced = apply(created, cm({ key: 'new' }), as('kubectl'), true);
    assert.deepEqual(forced.data, { key: 'new', keep: 'x' });
    const byManager = Object.fromEntries(forced.metadata!.managedFields!.map((e) => [e.manager, e.fieldsV1]));
    assert.deepEqual(byManager, { kubectl: { 'f:data': { 'f:key': {} } }, creator: { 'f:data': { '.': {}, 'f:keep': {} } } });
  });

  it('two appliers own different containers by name without conflict', () => {
    const deployment = (containers: unknown[]): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { template: { spec: { containers } } },
    });
    const first = apply(undefined, deployment([{ name: 'app', image: 'app:1', ports: [{ containerPort: 80 }] }]), as('team-a', deploymentGvk));
    const second = apply(first, deployment([{ name: 'sidecar', image: 'proxy:1' }]), as('team-b', deploymentGvk));
    const containers = (second.spec as { template: { spec: { containers: { name: string }[] } } }).template.spec.containers;
    assert.deepEqual(containers.map((c) => c.name), ['app', 'sidecar']);
    const teamA = second.metadata!.managedFields!.find((e) => e.manager === 'team-a')!;
    assert.deepEqual(teamA.fieldsV1, {
      'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"app"}': {
        '.': {}, 'f:image': {}, 'f:name': {}, 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
      } } } } },
    });
    // team-a drops its container: only that item goes.
    const third = apply(second, deployment([]), as('team-a', deploymentGvk));
    const left = (third.spec as { template: { spec: { containers: { name: string }[] } } }).template.spec.containers;
    assert.deepEqual(left.map((c) => c.name), ['sidecar']);
    // team-b changing team-a's image conflicts on that item's field.
    const err = statusErrorOf(() => applyConfiguration(second, deployment([{ name: 'app', image: 'app:2' }]), false, as('team-b', deploymentGvk)));
    assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "team-a": .spec.template.spec.containers[name="app"].image');
  });

  it('refuses an item of a keyed list without its key field, in kube\'s words (500, no reason)', () => {
    const config: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { template: { spec: { containers: [{ name: 'app', ports: [{ protocol: 'UDP' }] }] } } } };
    const err = statusErrorOf(() => applyConfiguration(undefined, config, false, as('kubectl', deploymentGvk)));
    assert.equal(err.httpCode, 500);
    assert.equal(err.toStatus().reason, undefined);
    assert.equal(
      err.message,
      'failed to create typed patch object (shop/web; apps/v1, Kind=Deployment): .spec.template.spec.containers[name="app"].ports: element 0: associative list with keys has an element that omits key field "containerPort" (and doesn\'t have default value)',
    );
  });

  it('refuses fields the schema does not declare, whatever else, by their path in the typed object (500, no reason)', () => {
    const typed = (manager: string, gvk: FieldManagerContext['gvk']): FieldManagerContext => ({ ...as(manager, gvk), structure: schemaStructure(builtinSchemas()) });
    const one = statusErrorOf(() => applyConfiguration(undefined, cm({ a: 'b' }, { bogus: 1 } as Partial<KubeObject>), false, typed('kubectl', configMapGvk)));
    assert.equal(one.httpCode, 500);
    assert.equal(one.toStatus().reason, undefined);
    assert.equal(one.message, 'failed to create typed patch object (ns/cfg; /v1, Kind=ConfigMap): .bogus: field not declared in schema');

    const config: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop', labels: { 'any-label': 'goes' } },
      spec: {
        replicaz: 2,
        template: { spec: { containers: [{ name: 'app', image: 'app:1', resource: {}, ports: [{ containerPort: 80, hostname: 'x' }] }], tolerations: [{ key: 'k', colour: 'red' }] } },
      },
    };
    const many = statusErrorOf(() => applyConfiguration(undefined, config, false, typed('kubectl', deploymentGvk)));
    assert.equal(
      many.message,
      [
        'failed to create typed patch object (shop/web; apps/v1, Kind=Deployment): errors:',
        '  .spec.replicaz: field not declared in schema',
        '  .spec.template.spec.containers[name="app"].resource: field not declared in schema',
        '  .spec.template.spec.containers[name="app"].ports[containerPort=80,protocol="TCP"].hostname: field not declared in schema',
        '  .spec.template.spec.tolerations[0].colour: field not declared in schema',
      ].join('\n'),
    );
  });

  it('keeps the time of an apply that changes nothing', () => {
    const first = apply(undefined, cm({ a: '1' }), as('kubectl'));
    const later = { ...as('kubectl'), now: new Date('2026-02-02T00:00:00Z') };
    const { managedFields } = applyConfiguration(first, cm({ a: '1' }), false, later);
    assert.deepEqual(managedFields, first.metadata?.managedFields);
  });

  it('takes list semantics from the injected lookup', () => {
    const sets = { ...as('kubectl'), structure: tableStructure([{ at: 'metadata.finalizers', list: { type: 'set' } }]) };
    const live = apply(undefined, cm({}, { metadata: { name: 'cfg', finalizers: ['a'] } }), { ...as('other'), structure: sets.structure });
    const merged = apply(live, cm({}, { metadata: { name: 'cfg', finalizers: ['b'] } }), sets);
    assert.deepEqual(merged.metadata?.finalizers, ['a', 'b']);
  });

  describe('after client-side apply (kube\'s last-applied handling for the manager kubectl)', () => {
    const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
    const csaApplied = (data: Record<string, string>): KubeObject => {
      const manifest = cm(data);
      const annotated = cm(data, { metadata: { name: 'cfg', namespace: 'ns', annotations: { [LAST_APPLIED]: JSON.stringify(manifest) } } });
      return update(undefined, annotated, as('kubectl-client-side-apply'));
    };

    it('lets kubectl take the fields client-side apply applied, and keeps the annotation current', () => {
      const applied = apply(csaApplied({ a: '1' }), cm({ a: '2' }), as('kubectl'));
      assert.deepEqual(applied.data, { a: '2' });
      assert.equal(applied.metadata?.annotations?.[LAST_APPLIED], '{"apiVersion":"v1","data":{"a":"2"},"kind":"ConfigMap","metadata":{"name":"cfg","namespace":"ns"}}\n');
      const byManager = Object.fromEntries(applied.metadata!.managedFields!.map((e) => [e.manager, e.fieldsV1]));
      assert.deepEqual(byManager.kubectl, { 'f:data': { 'f:a': {} } });
    });

    it('does not for other managers', () => {
      const err = statusErrorOf(() => applyConfiguration(csaApplied({ a: '1' }), cm({ a: '2' }), false, as('ci')));
      assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.a');
    });

    it('does not once the object no longer matches what was applied', () => {
      const live = csaApplied({ a: '1' });
      const edited = update(live, { ...live, data: { a: 'edited' } }, as('kubectl-client-side-apply'));
      const err = statusErrorOf(() => applyConfiguration(edited, cm({ a: '2' }), false, as('kubectl')));
      assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.a');
    });
  });
});
