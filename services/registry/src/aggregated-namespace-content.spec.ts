import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kapi/api-machinery';
import { AggregatedContentLook, deleteAggregatedContent, emptyOutcome, lookAtAggregatedContent, type AggregatedServerCall } from './aggregated-namespace-content.js';

const apiService = (name: string, available: boolean, service = true, versionPriority = 15): KubeObject => {
  const [version, ...group] = name.split('.');
  return {
    metadata: { name, uid: `uid-${name}` },
    spec: { group: group.join('.'), version, versionPriority, ...(service ? { service: { namespace: 'wardle', name: 'api', port: 443 } } : {}) },
    status: { conditions: [{ type: 'Available', status: available ? 'True' : 'False' }] },
  };
};

const FLUNDERS = { name: 'flunders', namespaced: true, verbs: ['delete', 'deletecollection', 'list'] };

/** A server holding objects per collection path (`<name>` or `<name>@<finalizer>`); DELETE of a collection removes those without finalizers. */
function server(items: Record<string, string[]>, resources = [FLUNDERS, { name: 'flunders/status', namespaced: true, verbs: ['get'] }, { name: 'fischers', namespaced: false, verbs: ['delete', 'deletecollection', 'list'] }, { name: 'metrics', namespaced: true, verbs: ['get', 'list'] }]) {
  const calls: string[] = [];
  const call: AggregatedServerCall = async (_apiService, method, path) => {
    calls.push(`${method} ${path}`);
    const version = /^\/apis\/wardle\.example\.com\/(v1alpha1|v1beta1)$/.exec(path);
    if (version) return { status: 200, body: JSON.stringify({ resources }) };
    const object = (entry: string, namespace: string) => {
      const [name, finalizer] = entry.split('@');
      return { metadata: { name, namespace, ...(finalizer ? { finalizers: [finalizer] } : {}) } };
    };
    if (method === 'DELETE') {
      items[path] = (items[path] ?? []).filter((e) => e.includes('@'));
      return { status: 200, body: '{}' };
    }
    const namespaced = /\/namespaces\/([^/]+)\/([^/]+)$/.exec(path);
    if (namespaced) return { status: 200, body: JSON.stringify({ items: (items[path] ?? []).map((e) => object(e, namespaced[1])) }) };
    // A cluster-wide list: every namespace's collection of that resource.
    const resource = path.split('/').pop();
    const all = Object.entries(items).flatMap(([p, entries]) => (p.endsWith(`/${resource}`) ? entries.map((e) => object(e, /\/namespaces\/([^/]+)\//.exec(p)![1])) : []));
    return { status: 200, body: JSON.stringify({ items: all }) };
  };
  return { call, calls };
}

const ZOO = '/apis/wardle.example.com/v1alpha1/namespaces/zoo/flunders';

describe('deleteAggregatedContent', () => {
  it('deletes the namespace\'s collection of each deletable namespaced resource of an available server, then counts what is left', async () => {
    const { call, calls } = server({ [ZOO]: ['a', 'b'] });
    const outcome = emptyOutcome();
    await deleteAggregatedContent('zoo', [apiService('v1alpha1.wardle.example.com', true), apiService('v1.apps', true, false)], call, new AggregatedContentLook(), outcome);
    assert.deepEqual(calls, ['GET /apis/wardle.example.com/v1alpha1', `DELETE ${ZOO}`, `GET ${ZOO}`]);
    assert.deepEqual(outcome, emptyOutcome());
  });

  it('handles each resource once, at the group\'s preferred version', async () => {
    const { call, calls } = server({ '/apis/wardle.example.com/v1beta1/namespaces/zoo/flunders': ['a'] });
    await deleteAggregatedContent('zoo', [apiService('v1alpha1.wardle.example.com', true, true, 15), apiService('v1beta1.wardle.example.com', true, true, 16)], call, new AggregatedContentLook(), emptyOutcome());
    assert.deepEqual(calls, ['GET /apis/wardle.example.com/v1beta1', 'DELETE /apis/wardle.example.com/v1beta1/namespaces/zoo/flunders', 'GET /apis/wardle.example.com/v1beta1/namespaces/zoo/flunders', 'GET /apis/wardle.example.com/v1alpha1']);
  });

  it('what the preferred version left tells the look of every version of the group', async () => {
    const { call } = server({ '/apis/wardle.example.com/v1beta1/namespaces/zoo/flunders': ['a@example.com/hold'] });
    const look = new AggregatedContentLook();
    const versions = [apiService('v1alpha1.wardle.example.com', true, true, 15), apiService('v1beta1.wardle.example.com', true, true, 16)];
    // Looked at before the namespace held anything.
    await lookAtAggregatedContent(versions, server({}).call, look);
    await deleteAggregatedContent('zoo', versions, call, look, emptyOutcome());
    assert.deepEqual(versions.map((v) => look.mayHold(v, 'zoo')), [true, true]);
  });

  it('without deletecollection, deletes the objects one by one', async () => {
    const { call, calls } = server({ [ZOO]: ['a'] }, [{ name: 'flunders', namespaced: true, verbs: ['delete', 'list'] }]);
    await deleteAggregatedContent('zoo', [apiService('v1alpha1.wardle.example.com', true)], call, new AggregatedContentLook(), emptyOutcome());
    assert.deepEqual(calls, ['GET /apis/wardle.example.com/v1alpha1', `GET ${ZOO}`, `DELETE ${ZOO}/a`, `GET ${ZOO}`]);
  });

  it('tells what is left and the finalizers holding it, and a server that fails to answer', async () => {
    const { call } = server({ [ZOO]: ['a@example.com/hold', 'b@example.com/hold', 'c'] });
    const outcome = emptyOutcome();
    await deleteAggregatedContent('zoo', [apiService('v1alpha1.wardle.example.com', true)], call, new AggregatedContentLook(), outcome);
    assert.deepEqual([...outcome.remaining], [['flunders.wardle.example.com', 2]]);
    assert.deepEqual([...outcome.finalizers], [['example.com/hold', 2]]);

    const failing: AggregatedServerCall = async () => {
      throw new Error('connect: connection refused');
    };
    const failed = emptyOutcome();
    await deleteAggregatedContent('zoo', [apiService('v1alpha1.wardle.example.com', true)], failing, new AggregatedContentLook(), failed);
    assert.deepEqual(failed.discoveryFailures, ['wardle.example.com/v1alpha1: connect: connection refused']);
  });

  it('an unavailable server never looked at is a discovery failure, as in kube', async () => {
    const { call, calls } = server({});
    const outcome = emptyOutcome();
    await deleteAggregatedContent('zoo', [apiService('v1alpha1.wardle.example.com', false)], call, new AggregatedContentLook(), outcome);
    assert.deepEqual(outcome.discoveryFailures, ['wardle.example.com/v1alpha1: stale GroupVersion discovery: wardle.example.com/v1alpha1']);
    assert.deepEqual(calls, []);
  });

  it('beyond kube: an unavailable server that held nothing in the namespace at the last look holds nothing up; one that held something does', async () => {
    const { call } = server({ [ZOO]: ['a'], '/apis/wardle.example.com/v1alpha1/namespaces/zoo/fischers': ['cluster-wide resources do not count'] });
    const look = new AggregatedContentLook();
    await lookAtAggregatedContent([apiService('v1alpha1.wardle.example.com', true)], call, look);
    const down = [apiService('v1alpha1.wardle.example.com', false)];
    const empty = emptyOutcome();
    await deleteAggregatedContent('empty', down, call, look, empty);
    assert.deepEqual(empty, emptyOutcome());
    const zoo = emptyOutcome();
    await deleteAggregatedContent('zoo', down, call, look, zoo);
    assert.equal(zoo.discoveryFailures.length, 1);
  });

  it('a namespace\'s deletion pass updates the look: emptied, it no longer waits; a recreated APIService starts unknown', async () => {
    const { call } = server({ [ZOO]: ['a'] });
    const look = new AggregatedContentLook();
    const up = [apiService('v1alpha1.wardle.example.com', true)];
    await lookAtAggregatedContent(up, call, look);
    assert.equal(look.mayHold(up[0], 'zoo'), true);
    await deleteAggregatedContent('zoo', up, call, look, emptyOutcome());
    assert.equal(look.mayHold(up[0], 'zoo'), false);
    const recreated = { ...up[0], metadata: { name: 'v1alpha1.wardle.example.com', uid: 'another' } };
    assert.equal(look.mayHold(recreated, 'zoo'), true);
  });

  it('tells when an available APIService has not been looked at yet', async () => {
    const look = new AggregatedContentLook();
    const up = [apiService('v1alpha1.wardle.example.com', true), apiService('v1.apps', true, false)];
    assert.equal(look.missing([apiService('v1alpha1.wardle.example.com', false)]), false, 'an unavailable one cannot be looked at');
    assert.equal(look.missing(up), true);
    await lookAtAggregatedContent(up, server({}).call, look);
    assert.equal(look.missing(up), false);
  });

  it('a server that fails the look keeps its previous look; a removed APIService is forgotten', async () => {
    const { call } = server({ [ZOO]: ['a'] });
    const look = new AggregatedContentLook();
    const up = [apiService('v1alpha1.wardle.example.com', true)];
    await lookAtAggregatedContent(up, call, look);
    await lookAtAggregatedContent(up, async () => ({ status: 503, body: '' }), look);
    assert.equal(look.mayHold(up[0], 'zoo'), true);
    assert.equal(look.mayHold(up[0], 'empty'), false);
    await lookAtAggregatedContent([], call, look);
    assert.equal(look.mayHold(up[0], 'empty'), true);
  });
});
