import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isDns1123Subdomain } from '@kapi/api-machinery';
import { KindCatalogue, configMapStrategy, defineStrategy, namespaceStrategy, podStrategy } from '@kapi/kinds';
import { apiGroup, apiGroupList, apiResourceList, apiVersions } from './discovery.js';

const deploymentsV1 = defineStrategy(
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true, shortNames: ['deploy'], categories: ['all'], subresources: ['status', 'scale'] },
  { validateName: isDns1123Subdomain },
);
const deploymentsV1beta1 = defineStrategy(
  { group: 'apps', version: 'v1beta1', resource: 'deployments', kind: 'Deployment', namespaced: true },
  { validateName: isDns1123Subdomain },
);
const roles = defineStrategy(
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles', kind: 'ClusterRole', namespaced: false },
  { validateName: isDns1123Subdomain },
);

// A fixed catalogue, so that adding a kind to the built-ins does not change what these tests expect.
const builtin = new KindCatalogue([namespaceStrategy, configMapStrategy]);
const wide = new KindCatalogue([namespaceStrategy, configMapStrategy, deploymentsV1, deploymentsV1beta1, roles]);

describe('apiVersions (/api)', () => {
  it('lists v1 and the address clients should use', () => {
    assert.deepEqual(apiVersions('10.0.0.1:6443'), {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '10.0.0.1:6443' }],
    });
  });
});

describe('apiGroupList (/apis)', () => {
  it('leaves the legacy core group out', () => {
    assert.deepEqual(apiGroupList(builtin), { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
  });

  it('lists each named group once with its versions, preferring the first', () => {
    assert.deepEqual(apiGroupList(wide), {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [
        {
          name: 'apps',
          versions: [
            { groupVersion: 'apps/v1', version: 'v1' },
            { groupVersion: 'apps/v1beta1', version: 'v1beta1' },
          ],
          preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
        },
        {
          name: 'rbac.authorization.k8s.io',
          versions: [{ groupVersion: 'rbac.authorization.k8s.io/v1', version: 'v1' }],
          preferredVersion: { groupVersion: 'rbac.authorization.k8s.io/v1', version: 'v1' },
        },
      ],
    });
  });
});

describe('apiGroup (/apis/<group>)', () => {
  it('describes one served group', () => {
    assert.deepEqual(apiGroup(wide, 'rbac.authorization.k8s.io'), {
      kind: 'APIGroup',
      apiVersion: 'v1',
      name: 'rbac.authorization.k8s.io',
      versions: [{ groupVersion: 'rbac.authorization.k8s.io/v1', version: 'v1' }],
      preferredVersion: { groupVersion: 'rbac.authorization.k8s.io/v1', version: 'v1' },
    });
  });

  it('is undefined for a group it does not serve, including the core group', () => {
    assert.equal(apiGroup(wide, 'batch'), undefined);
    assert.equal(apiGroup(wide, ''), undefined);
  });
});

describe('apiResourceList (/api/v1, /apis/<group>/<version>)', () => {
  it('lists core v1 with the namespace subresources', () => {
    assert.deepEqual(apiResourceList(builtin, '', 'v1'), {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: 'v1',
      // Sorted by name, as kube-apiserver installs them.
      resources: [
        {
          name: 'configmaps',
          singularName: 'configmap',
          namespaced: true,
          kind: 'ConfigMap',
          verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
          shortNames: ['cm'],
        },
        {
          name: 'namespaces',
          singularName: 'namespace',
          namespaced: false,
          kind: 'Namespace',
          verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
          shortNames: ['ns'],
        },
        { name: 'namespaces/finalize', singularName: '', namespaced: false, kind: 'Namespace', verbs: ['update'] },
        { name: 'namespaces/status', singularName: '', namespaced: false, kind: 'Namespace', verbs: ['get', 'patch', 'update'] },
      ],
    });
  });

  it('names the kinds and verbs of the pod subresources as kube does', () => {
    const list = apiResourceList(new KindCatalogue([podStrategy]), '', 'v1');
    const subs = list!.resources.filter((r) => r.name.includes('/')).map(({ name, verbs, ...rest }) => [name, 'group' in rest ? `${rest.group}/${rest.version}` : '', rest.kind, verbs.join(',')]);
    assert.deepEqual(subs, [
      ['pods/attach', '', 'PodAttachOptions', 'create,get'],
      ['pods/binding', '', 'Binding', 'create'],
      ['pods/ephemeralcontainers', '', 'Pod', 'get,patch,update'],
      ['pods/eviction', 'policy/v1', 'Eviction', 'create'],
      ['pods/exec', '', 'PodExecOptions', 'create,get'],
      ['pods/log', '', 'Pod', 'get'],
      ['pods/portforward', '', 'PodPortForwardOptions', 'create,get'],
      ['pods/proxy', '', 'PodProxyOptions', 'create,delete,get,patch,update'],
      ['pods/resize', '', 'Pod', 'get,patch,update'],
      ['pods/status', '', 'Pod', 'get,patch,update'],
    ]);
  });

  it('lists a group version with categories and subresources', () => {
    const list = apiResourceList(wide, 'apps', 'v1');
    assert.equal(list?.groupVersion, 'apps/v1');
    assert.deepEqual(list?.resources, [
      {
        name: 'deployments',
        singularName: 'deployment',
        namespaced: true,
        kind: 'Deployment',
        verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
        shortNames: ['deploy'],
        categories: ['all'],
      },
      // A Scale is served as autoscaling/v1, whatever the group of its resource.
      { name: 'deployments/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] },
      { name: 'deployments/status', singularName: '', namespaced: true, kind: 'Deployment', verbs: ['get', 'patch', 'update'] },
    ]);
  });

  it('omits empty shortNames and categories', () => {
    const [entry] = apiResourceList(wide, 'apps', 'v1beta1')!.resources;
    assert.equal('shortNames' in entry, false);
    assert.equal('categories' in entry, false);
  });

  it('is undefined for a group version it does not serve', () => {
    assert.equal(apiResourceList(builtin, '', 'v2'), undefined);
    assert.equal(apiResourceList(builtin, 'apps', 'v1'), undefined);
  });
});
