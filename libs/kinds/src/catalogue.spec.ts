import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew, prepareChanged } from './strategy.js';
import { isDns1123Subdomain } from '@kapi/api-machinery';
import { KindCatalogue, builtinStrategies, servedStrategies, storageKey } from './catalogue.js';
import { configMapStrategy } from './configmap/strategy.js';
import { namespaceStrategy } from './namespace/strategy.js';
import { serviceStrategy } from './service/strategy.js';
import { nodeStrategy } from './node/strategy.js';
import { endpointsStrategy } from './endpoints/strategy.js';
import { defineStrategy, deprecationWarning, type KindStrategy } from './strategy.js';

const deployments = defineStrategy(
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true },
  { validateName: isDns1123Subdomain },
);
const apiServices = defineStrategy(
  {
    group: 'apiregistration.k8s.io',
    version: 'v1',
    resource: 'apiservices',
    kind: 'APIService',
    namespaced: false,
    storagePrefix: 'apiregistration.k8s.io/apiservices',
  },
  { validateName: isDns1123Subdomain },
);

describe('storageKey', () => {
  it('lays out a namespaced object as /registry/<resource>/<namespace>/<name>', () => {
    assert.equal(storageKey(configMapStrategy.info, 'ns', 'x'), '/registry/configmaps/ns/x');
    assert.equal(storageKey(deployments.info, 'default', 'web'), '/registry/deployments/default/web');
  });

  it('lays out a cluster-scoped object as /registry/<resource>/<name>', () => {
    assert.equal(storageKey(namespaceStrategy.info, undefined, 'foo'), '/registry/namespaces/foo');
    // A namespace argument means nothing for a cluster-scoped kind.
    assert.equal(storageKey(namespaceStrategy.info, 'ignored', 'foo'), '/registry/namespaces/foo');
  });

  it('keeps services and endpoints where kube-apiserver keeps them', () => {
    assert.equal(storageKey(serviceStrategy.info, 'default', 'kubernetes'), '/registry/services/specs/default/kubernetes');
    assert.equal(storageKey(endpointsStrategy.info, 'default', 'kubernetes'), '/registry/services/endpoints/default/kubernetes');
    assert.ok(!storageKey(endpointsStrategy.info, undefined).startsWith(storageKey(serviceStrategy.info, undefined)));
    // Nodes keep their historical name.
    assert.equal(storageKey(nodeStrategy.info, undefined, 'node-1'), '/registry/minions/node-1');
  });

  it('gives collection prefixes with a trailing slash', () => {
    assert.equal(storageKey(configMapStrategy.info, 'ns'), '/registry/configmaps/ns/');
    assert.equal(storageKey(configMapStrategy.info, undefined), '/registry/configmaps/');
    assert.equal(storageKey(configMapStrategy.info, ''), '/registry/configmaps/');
    assert.equal(storageKey(namespaceStrategy.info, undefined), '/registry/namespaces/');
  });

  it('keeps one namespace\'s prefix from matching another namespace that extends its name', () => {
    assert.ok(!storageKey(configMapStrategy.info, 'ns-2', 'x').startsWith(storageKey(configMapStrategy.info, 'ns')));
  });

  it('uses the storage prefix of kinds kube stores under their group', () => {
    assert.equal(storageKey(apiServices.info, undefined, 'v1.apps'), '/registry/apiregistration.k8s.io/apiservices/v1.apps');
  });
});

describe('KindCatalogue', () => {
  it('serves the built-in kinds by default, each under its own group', () => {
    const catalogue = new KindCatalogue();
    assert.deepEqual(catalogue.strategies, builtinStrategies);
    assert.equal(catalogue.lookup('', 'namespaces'), namespaceStrategy);
    assert.equal(catalogue.lookup('', 'configmaps'), configMapStrategy);
    assert.equal(catalogue.lookup('', 'no-such-things'), undefined);
    assert.equal(catalogue.lookup('apps', 'configmaps'), undefined);
  });

  it('holds each group/version/resource once; a resource served in several versions shares its storage', () => {
    const keys = builtinStrategies.map((s) => `${s.info.group}/${s.info.version}/${s.info.resource}`);
    assert.equal(new Set(keys).size, keys.length);
    const versions = new Map<string, KindStrategy[]>();
    for (const s of builtinStrategies) versions.set(`${s.info.group}/${s.info.resource}`, [...(versions.get(`${s.info.group}/${s.info.resource}`) ?? []), s]);
    for (const same of [...versions.values()].filter((v) => v.length > 1)) {
      assert.equal(new Set(same.map((s) => s.info.storagePrefix ?? s.info.resource)).size, 1);
      assert.ok(same.slice(1).every((s) => s.storageConversion), 'every version but the preferred one converts to storage');
    }
  });

  it('lists the served group/versions once each, in order', () => {
    const catalogue = new KindCatalogue([namespaceStrategy, deployments, configMapStrategy, apiServices]);
    assert.deepEqual(catalogue.groupVersions(), [
      { group: '', version: 'v1' },
      { group: 'apps', version: 'v1' },
      { group: 'apiregistration.k8s.io', version: 'v1' },
    ]);
    assert.deepEqual(catalogue.lookup('apps', 'deployments'), deployments);
  });

  it('lists the resources of one group/version', () => {
    const catalogue = new KindCatalogue([namespaceStrategy, deployments, configMapStrategy]);
    assert.deepEqual(
      catalogue.resourcesOf('', 'v1').map((r) => r.resource),
      ['configmaps', 'namespaces'],
    );
    assert.deepEqual(
      catalogue.resourcesOf('apps', 'v1').map((r) => r.resource),
      ['deployments'],
    );
    assert.deepEqual(catalogue.resourcesOf('apps', 'v2'), []);
  });
});

describe('optional APIs (KAPI_RUNTIME_CONFIG)', () => {
  const served = (config: Record<string, boolean>) => servedStrategies(config).map((s) => `${s.info.group}/${s.info.version}/${s.info.resource}`);

  it('serves the mutating admission policies only when their group version or resource is switched on, as kube 1.34 does', () => {
    assert.deepEqual(servedStrategies({}), [...builtinStrategies]);
    const both = served({ 'admissionregistration.k8s.io/v1beta1': true }).filter((k) => k.includes('v1beta1'));
    assert.deepEqual(both, ['admissionregistration.k8s.io/v1beta1/mutatingadmissionpolicies', 'admissionregistration.k8s.io/v1beta1/mutatingadmissionpolicybindings']);
    const one = served({ 'admissionregistration.k8s.io/v1beta1': true, 'admissionregistration.k8s.io/v1beta1/mutatingadmissionpolicybindings': false }).filter((k) => k.includes('v1beta1'));
    assert.deepEqual(one, ['admissionregistration.k8s.io/v1beta1/mutatingadmissionpolicies']);
  });

  it('refuses a key it cannot switch, in one line', () => {
    assert.throws(() => servedStrategies({ 'batch/v1': false }), /KAPI_RUNTIME_CONFIG: "batch\/v1" cannot be switched in kapi/);
  });
});

describe('kinds by group, version and kind', () => {
  it('finds a served kind (a policy\'s paramKind) and nothing else', () => {
    const catalogue = new KindCatalogue();
    assert.equal(catalogue.byKind({ group: '', version: 'v1', kind: 'ConfigMap' }), configMapStrategy);
    assert.equal(catalogue.byKind({ group: '', version: 'v2', kind: 'ConfigMap' }), undefined);
    assert.equal(catalogue.byKind({ group: 'example.com', version: 'v1', kind: 'Widget' }), undefined);
  });
});

describe('defineStrategy', () => {
  it('fills in the defaults kube uses for a plain kind', () => {
    const info = deployments.info;
    assert.equal(info.listKind, 'DeploymentList');
    assert.equal(info.singularName, 'deployment');
    assert.deepEqual(info.verbs, ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
    assert.deepEqual([info.subresources, info.categories, info.shortNames], [[], [], []]);
    assert.deepEqual(deployments.tableColumns, []);
  });

  it('selects by name and namespace, or by name alone for cluster-scoped kinds', () => {
    assert.deepEqual(deployments.selectableFields({ metadata: { name: 'web', namespace: 'ns' } }), { 'metadata.name': 'web', 'metadata.namespace': 'ns' });
    assert.deepEqual(apiServices.selectableFields({ metadata: { name: 'v1.apps' } }), { 'metadata.name': 'v1.apps' });
  });

  it('has no-op defaults for the write hooks', () => {
    const obj = { metadata: { name: 'web' } };
    prepareNew(deployments, obj);
    prepareChanged(deployments, obj, obj);
    assert.deepEqual(obj, { metadata: { name: 'web' } });
    assert.deepEqual(deployments.validate(obj), []);
    assert.deepEqual(deployments.validateUpdate(obj, obj), []);
    assert.equal(deployments.finalizesOnDelete, undefined);
  });
});

describe('deprecationWarning', () => {
  it('words a deprecated kind as kube-apiserver does, and says nothing for the others', () => {
    assert.equal(deprecationWarning(endpointsStrategy.info), 'v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice');
    assert.equal(deprecationWarning({ ...deployments.info, deprecation: { since: '1.9' } }), 'apps/v1 Deployment is deprecated in v1.9+');
    assert.equal(deprecationWarning(serviceStrategy.info), undefined);
  });
});

describe('protobuf messages of the built-in kinds', () => {
  it("every kind and every subresource has k8s.io/api's message, as typed clients send them all as protobuf", () => {
    const lacking = builtinStrategies.flatMap((s) => [
      ...(s.protobuf ? [] : [`${s.info.group}/${s.info.version} ${s.info.kind}`]),
      ...s.info.subresources.filter((sub) => !s.subresourceProtobuf?.[sub]).map((sub) => `${s.info.resource}/${sub}`),
    ]);
    assert.deepEqual(lacking, []);
  });
});
