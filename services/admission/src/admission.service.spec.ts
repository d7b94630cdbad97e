import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toAttributes } from './admission.service.js';

describe('toAttributes', () => {
  it('gives plugins everything the registry sent: the whole user, the request uid, the options, and a recorder', () => {
    const recorded = { warnings: [] as string[], auditAnnotations: {} as Record<string, string> };
    const a = toAttributes(
      {
        operation: 'CREATE',
        kind: { group: '', version: 'v1', kind: 'Pod' },
        resource: { group: '', version: 'v1', resource: 'pods', namespace: 'ns' },
        subresource: '',
        name: 'web',
        object: Buffer.from(JSON.stringify({ metadata: { name: 'web' } })),
        oldObject: Buffer.alloc(0),
        user: { username: 'alice', uid: 'alice-uid', groups: ['dev'], extra: { scopes: { values: ['a', 'b'] } } },
        dryRun: true,
        options: Buffer.from(JSON.stringify({ kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1', fieldManager: 'kubectl' })),
        uid: 'audit-id-1',
      },
      recorded,
    );
    assert.deepEqual(a.user, { username: 'alice', uid: 'alice-uid', groups: ['dev'], extra: { scopes: ['a', 'b'] } });
    assert.deepEqual([a.uid, a.dryRun, a.options?.fieldManager, a.resource.namespace], ['audit-id-1', true, 'kubectl', 'ns']);
    assert.deepEqual(a.object, { metadata: { name: 'web' } });
    assert.equal(a.oldObject, undefined);
    a.recorder!.warning('careful');
    a.recorder!.auditAnnotation('plugin.example.com/decision', 'allowed');
    assert.deepEqual(recorded, { warnings: ['careful'], auditAnnotations: { 'plugin.example.com/decision': 'allowed' } });
  });
});
