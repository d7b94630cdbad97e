import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeRule, rulesNotHeld } from './rbac-escalation.js';

const jane = { username: 'jane', uid: '', groups: ['devs'], extra: {} };

describe('rulesNotHeld', () => {
  it('asks for every verb, group, resource and name a rule grants, and reports the rules not held', async () => {
    const asked: string[] = [];
    const missing = await rulesNotHeld(
      async (_u, a) => {
        asked.push(`${a.verb} ${a.apiGroup}/${a.resource}${a.subresource ? `/${a.subresource}` : ''}:${a.name}@${a.namespace}`);
        return a.resource === 'configmaps';
      },
      jane,
      'team',
      [
        { verbs: ['get', 'list'], apiGroups: [''], resources: ['configmaps'] },
        { verbs: ['get'], apiGroups: [''], resources: ['secrets', 'pods/log'], resourceNames: ['a'] },
      ],
    );
    assert.deepEqual(asked, ['get /configmaps:@team', 'list /configmaps:@team', 'get /secrets:a@team', 'get /pods/log:a@team']);
    assert.deepEqual(missing, [{ verbs: ['get'], apiGroups: [''], resources: ['secrets', 'pods/log'], resourceNames: ['a'] }]);
  });

  it('checks non-resource URLs as paths', async () => {
    const missing = await rulesNotHeld(async (_u, a) => a.path === '/healthz', jane, '', [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/metrics'] }]);
    assert.equal(missing.length, 1);
  });
});

describe('describeRule', () => {
  it('renders a rule as kube lists it in the escalation message', () => {
    assert.equal(describeRule({ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }), '{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}');
    assert.equal(describeRule({ verbs: ['get'], nonResourceURLs: ['/metrics'] }), '{NonResourceURLs:["/metrics"], Verbs:["get"]}');
  });
});
