import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kapi/api-machinery';
import { deleteAggregatedContent, type AggregatedServerCall } from './aggregated-namespace-content.js';

const apiService = (name: string, available: boolean, service = true): KubeObject => {
  const [version, ...group] = name.split('.');
  return {
    metadata: { name },
    spec: { group: group.join('.'), version, ...(service ? { service: { namespace: 'wardle', name: 'api', port: 443 } } : {}) },
    status: { conditions: [{ type: 'Available', status: available ? 'True' : 'False' }] },
  };
};

/** A server holding `items` per collection path; DELETE of a collection empties it. */
function server(items: Record<string, number>, resources = [{ name: 'flunders', namespaced: true, verbs: ['list', 'deletecollection'] }, { name: 'flunders/status', namespaced: true, verbs: ['get'] }, { name: 'fischers', namespaced: false, verbs: ['list', 'deletecollection'] }]) {
  const calls: string[] = [];
  const call: AggregatedServerCall = async (_apiService, method, path) => {
    calls.push(`${method} ${path}`);
    if (path === '/apis/wardle.example.com/v1alpha1') return { status: 200, body: JSON.stringify({ resources }) };
    if (method === 'DELETE') {
      items[path] = 0;
      return { status: 200, body: '{}' };
    }
    return { status: 200, body: JSON.stringify({ items: Array.from({ length: items[path] ?? 0 }, () => ({})) }) };
  };
  return { call, calls };
}

describe('deleteAggregatedContent', () => {
  it('deletes the namespace\'s collection of each namespaced resource of an available server, then counts what is left', async () => {
    const { call, calls } = server({ '/apis/wardle.example.com/v1alpha1/namespaces/zoo/flunders': 2 });
    assert.equal(await deleteAggregatedContent('zoo', [apiService('v1alpha1.wardle.example.com', true), apiService('v1.apps', true, false)], call), 0);
    assert.deepEqual(calls, [
      'GET /apis/wardle.example.com/v1alpha1',
      'DELETE /apis/wardle.example.com/v1alpha1/namespaces/zoo/flunders',
      'GET /apis/wardle.example.com/v1alpha1/namespaces/zoo/flunders',
    ]);
  });

  it('counts what a server could not delete, or a server that fails to answer', async () => {
    const stubborn = server({ '/apis/wardle.example.com/v1alpha1/namespaces/zoo/flunders': 3 }, [{ name: 'flunders', namespaced: true, verbs: ['list'] }]);
    assert.equal(await deleteAggregatedContent('zoo', [apiService('v1alpha1.wardle.example.com', true)], stubborn.call), 3);
    const failing: AggregatedServerCall = async () => {
      throw new Error('connect: connection refused');
    };
    assert.equal(await deleteAggregatedContent('zoo', [apiService('v1alpha1.wardle.example.com', true)], failing), 1);
  });

  it('beyond kube: an unavailable server holds nothing up', async () => {
    const { call, calls } = server({});
    assert.equal(await deleteAggregatedContent('zoo', [apiService('v1alpha1.wardle.example.com', false)], call), 0);
    assert.deepEqual(calls, []);
  });
});
