import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isDns1123Subdomain } from '@kapi/api-machinery';
import { KindCatalogue, configMapStrategy, customResourceStrategy, defineStrategy, namespaceStrategy, podStrategy, servedStrategies, type CustomResourceDefinition } from '@kapi/kinds';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, storageVersionHash } from './discovery.js';

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
          storageVersionHash: 'qFsyl6wFWjQ=',
        },
        {
          name: 'namespaces',
          singularName: 'namespace',
          namespaced: false,
          kind: 'Namespace',
          verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
          shortNames: ['ns'],
          storageVersionHash: 'Q3oi5N2YM8M=',
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
        storageVersionHash: '8aSe+NMegvE=',
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

/** What the reference kube-apiserver v1.34.2 answers as each built-in resource's storageVersionHash (none: not stored). */
const REFERENCE_STORAGE_VERSION_HASHES: [groupVersion: string, resource: string, hash: string | undefined][] = [
  ['v1', 'configmaps', 'qFsyl6wFWjQ='],
  ['v1', 'endpoints', 'fWeeMqaN/OA='],
  ['v1', 'events', 'r2yiGXH7wu8='],
  ['v1', 'limitranges', 'EBKMFVe6cwo='],
  ['v1', 'namespaces', 'Q3oi5N2YM8M='],
  ['v1', 'nodes', 'XwShjMxG9Fs='],
  ['v1', 'persistentvolumeclaims', 'QWTyNDq0dC4='],
  ['v1', 'persistentvolumes', 'HN/zwEC+JgM='],
  ['v1', 'pods', 'xPOwRZ+Yhw8='],
  ['v1', 'podtemplates', 'LIXB2x4IFpk='],
  ['v1', 'replicationcontrollers', 'Jond2If31h0='],
  ['v1', 'resourcequotas', '8uhSgffRX6w='],
  ['v1', 'secrets', 'S6u1pOWzb84='],
  ['v1', 'serviceaccounts', 'pbx9ZvyFpBE='],
  ['v1', 'services', '0/CO1lhkEBI='],
  ['apiregistration.k8s.io/v1', 'apiservices', 'InPBPD7+PqM='],
  ['apps/v1', 'controllerrevisions', '85nkx63pcBU='],
  ['apps/v1', 'daemonsets', 'dd7pWHUlMKQ='],
  ['apps/v1', 'deployments', '8aSe+NMegvE='],
  ['apps/v1', 'replicasets', 'P1RzHs8/mWQ='],
  ['apps/v1', 'statefulsets', 'H+vl74LkKdo='],
  ['events.k8s.io/v1', 'events', 'r2yiGXH7wu8='],
  ['authentication.k8s.io/v1', 'selfsubjectreviews', undefined],
  ['authentication.k8s.io/v1', 'tokenreviews', undefined],
  ['authorization.k8s.io/v1', 'localsubjectaccessreviews', undefined],
  ['authorization.k8s.io/v1', 'selfsubjectaccessreviews', undefined],
  ['authorization.k8s.io/v1', 'selfsubjectrulesreviews', undefined],
  ['authorization.k8s.io/v1', 'subjectaccessreviews', undefined],
  ['autoscaling/v2', 'horizontalpodautoscalers', 'qwQve8ut294='],
  ['autoscaling/v1', 'horizontalpodautoscalers', 'qwQve8ut294='],
  ['batch/v1', 'cronjobs', 'sd5LIXh4Fjs='],
  ['batch/v1', 'jobs', 'mudhfqk/qZY='],
  ['certificates.k8s.io/v1', 'certificatesigningrequests', '95fRKMXA+00='],
  ['networking.k8s.io/v1', 'ingressclasses', 'l/iqIbDgFyQ='],
  ['networking.k8s.io/v1', 'ingresses', '39NQlfNR+bo='],
  ['networking.k8s.io/v1', 'networkpolicies', 'YpfwF18m1G8='],
  ['policy/v1', 'poddisruptionbudgets', 'EVWiDmWqyJw='],
  ['rbac.authorization.k8s.io/v1', 'clusterrolebindings', '48tpQ8gZHFc='],
  ['rbac.authorization.k8s.io/v1', 'clusterroles', 'bYE5ZWDrJ44='],
  ['rbac.authorization.k8s.io/v1', 'rolebindings', 'eGsCzGH6b1g='],
  ['rbac.authorization.k8s.io/v1', 'roles', '7FuwZcIIItM='],
  ['storage.k8s.io/v1', 'csidrivers', 'hL6j/rwBV5w='],
  ['storage.k8s.io/v1', 'storageclasses', 'K+m6uJwbjGY='],
  ['storage.k8s.io/v1', 'volumeattachments', 'tJx/ezt6UDU='],
  ['admissionregistration.k8s.io/v1', 'mutatingwebhookconfigurations', 'Sqi0GUgDaX0='],
  ['admissionregistration.k8s.io/v1', 'validatingadmissionpolicies', '6OxvlMmQ6is='],
  ['admissionregistration.k8s.io/v1', 'validatingadmissionpolicybindings', 'v9715VZqakg='],
  ['admissionregistration.k8s.io/v1', 'validatingwebhookconfigurations', 'B0wHjQmsGNk='],
  ['apiextensions.k8s.io/v1', 'customresourcedefinitions', 'jfWCUB31mvA='],
  ['scheduling.k8s.io/v1', 'priorityclasses', '1QwjyaZjj3Y='],
  ['coordination.k8s.io/v1', 'leases', 'gqkMMb/YqFM='],
  ['node.k8s.io/v1', 'runtimeclasses', 'WQTu1GL3T2Q='],
  ['discovery.k8s.io/v1', 'endpointslices', 'qgS0xkrxYAI='],
  ['flowcontrol.apiserver.k8s.io/v1', 'flowschemas', 'GJVAJZSZBIw='],
  ['flowcontrol.apiserver.k8s.io/v1', 'prioritylevelconfigurations', 'Kir5PVfvNeI='],
];

describe('storageVersionHash', () => {
  it("is kube's: base64 of the first 8 bytes of sha256(<group>/<version>/<kind>)", () => {
    assert.equal(storageVersionHash('', 'v1', 'ConfigMap'), 'qFsyl6wFWjQ=');
    assert.equal(storageVersionHash('crdgaps.kapi.io', 'v1', 'Down'), 'HTlcmZMEPfY=');
  });

  it('names the storage version of every built-in resource as the reference kube-apiserver does, and none for the reviews', () => {
    const catalogue = new KindCatalogue(servedStrategies());
    const served = new Map<string, string | undefined>();
    for (const { group, version } of catalogue.groupVersions()) {
      for (const r of apiResourceList(catalogue, group, version)!.resources) {
        if (!r.name.includes('/')) served.set(`${group ? `${group}/` : ''}${version} ${r.name}`, 'storageVersionHash' in r ? r.storageVersionHash : undefined);
      }
    }
    for (const [groupVersion, resource, hash] of REFERENCE_STORAGE_VERSION_HASHES) {
      assert.ok(served.has(`${groupVersion} ${resource}`), `${groupVersion} ${resource} is served`);
      assert.equal(served.get(`${groupVersion} ${resource}`), hash, `${groupVersion} ${resource}`);
    }
  });

  it("hashes a custom resource's storage version in every served version, and no subresource", () => {
    const schema = { openAPIV3Schema: { type: 'object' } };
    const crd: CustomResourceDefinition = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'downs.crdgaps.kapi.io', resourceVersion: '1' },
      spec: {
        group: 'crdgaps.kapi.io',
        scope: 'Namespaced',
        names: { plural: 'downs', singular: 'down', kind: 'Down', listKind: 'DownList' },
        versions: [
          { name: 'v1', served: true, storage: true, schema },
          { name: 'v2', served: true, storage: false, schema, subresources: { status: {} } },
        ],
      },
      status: { conditions: [{ type: 'Established', status: 'True' }] },
    };
    const catalogue = new KindCatalogue([customResourceStrategy(crd, 'v1')!, customResourceStrategy(crd, 'v2')!]);
    // The reference kube-apiserver's answer for this CRD in either version.
    for (const version of ['v1', 'v2']) {
      const [main, ...subs] = apiResourceList(catalogue, 'crdgaps.kapi.io', version)!.resources;
      assert.equal('storageVersionHash' in main ? main.storageVersionHash : undefined, 'HTlcmZMEPfY=', version);
      for (const sub of subs) assert.equal('storageVersionHash' in sub, false);
    }
  });
});
