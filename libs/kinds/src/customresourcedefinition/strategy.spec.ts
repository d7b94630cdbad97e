import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew, prepareChanged } from '../strategy.js';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { storageKey } from '../catalogue.js';
import { customResourceDefinitionStrategy as strategy } from './strategy.js';

const schema = { openAPIV3Schema: { type: 'object' } };
const crd = (name: string, spec: Record<string, unknown> = {}): KubeObject => ({
  metadata: { name },
  spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', kind: 'Widget' }, versions: [{ name: 'v1', served: true, storage: true, schema }], ...spec },
});
const prepared = (name: string, spec: Record<string, unknown> = {}) => {
  const obj = crd(name, spec);
  prepareNew(strategy, obj);
  return obj;
};
const errors = (name: string, spec: Record<string, unknown> = {}) => strategy.validate(prepared(name, spec)).map(renderFieldError);

describe('customResourceDefinitionStrategy.info', () => {
  it('is apiextensions.k8s.io/v1, short names crd and crds, stored under the group-qualified prefix', () => {
    const info = strategy.info;
    assert.deepEqual([info.group, info.version, info.resource, info.shortNames, info.categories, info.subresources], ['apiextensions.k8s.io', 'v1', 'customresourcedefinitions', ['crd', 'crds'], ['api-extensions'], ['status']]);
    assert.equal(storageKey(info, undefined, 'widgets.example.com'), '/registry/apiextensions.k8s.io/customresourcedefinitions/widgets.example.com');
  });
});

describe('customResourceDefinitionStrategy create', () => {
  it('defaults singular, listKind and conversion, and records the storage version', () => {
    const obj = prepared('widgets.example.com');
    const spec = obj.spec as { names: Record<string, string>; conversion: unknown };
    assert.deepEqual(spec.names, { plural: 'widgets', kind: 'Widget', singular: 'widget', listKind: 'WidgetList' });
    assert.deepEqual(spec.conversion, { strategy: 'None' });
    assert.deepEqual(obj.status, { acceptedNames: { plural: '', kind: '' }, storedVersions: ['v1'] });
    assert.deepEqual(strategy.validate(obj), []);
  });

  it("refuses a name that is not <plural>.<group> in kube's words", () => {
    assert.deepEqual(errors('widget.example.com'), ['metadata.name: Invalid value: "widget.example.com": must be spec.names.plural+"."+spec.group']);
  });

  it('checks scope, group and the names', () => {
    assert.deepEqual(errors('widgets.example', { group: 'example', scope: 'Global' }), [
      'spec.group: Invalid value: "example": should be a domain with at least one dot',
      'spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"',
    ]);
    assert.deepEqual(errors('.example.com', { names: {} }), ['spec.names.plural: Required value', 'spec.names.kind: Required value', 'spec.names.listKind: Required value']);
  });

  it('wants versions, exactly one storage version, and a schema in each', () => {
    assert.deepEqual(errors('widgets.example.com', { versions: [] }), ['spec.versions: Required value: must have exactly one version marked as storage version']);
    assert.match(errors('widgets.example.com', { versions: [{ name: 'v1', served: true, storage: false, schema }] })[0], /^spec\.versions: Invalid value: .*: must have exactly one version marked as storage version$/);
    assert.deepEqual(errors('widgets.example.com', { versions: [{ name: 'v1', served: true, storage: true }] }), ['spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required']);
    // One schema for every version: kube keeps it once and reports it at spec.validation.
    assert.deepEqual(errors('widgets.example.com', { versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'string' } } }] }), [
      'spec.validation.openAPIV3Schema.type: Invalid value: "string": must be object at the root',
    ]);
  });

  it("checks the conversion webhook as kube does, at its internal paths (asked of kube-apiserver v1.34.2)", () => {
    const url = { url: 'https://a.example.com/x' };
    const conversion = (c: Record<string, unknown>) => ({ conversion: c });
    const name = 'widgets.example.com';
    assert.deepEqual(errors(name, conversion({ strategy: 'Webhook' })), [
      'spec.conversion.webhookClientConfig: Required value: required when strategy is set to Webhook',
      'spec.conversion.conversionReviewVersions: Required value',
    ]);
    assert.deepEqual(errors(name, conversion({ strategy: 'Webhook', webhook: { conversionReviewVersions: [], clientConfig: url } })), ['spec.conversion.conversionReviewVersions: Required value']);
    assert.deepEqual(errors(name, conversion({ strategy: 'Webhook', webhook: { conversionReviewVersions: ['v2'], clientConfig: url } })), [
      'spec.conversion.conversionReviewVersions: Invalid value: ["v2"]: must include at least one of v1, v1beta1',
    ]);
    assert.deepEqual(errors(name, conversion({ strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1', 'v1'], clientConfig: url } })), [
      'spec.conversion.conversionReviewVersions[1]: Invalid value: "v1": duplicate version',
    ]);
    for (const clientConfig of [{}, { ...url, service: { namespace: 'a', name: 'b' } }]) {
      assert.deepEqual(errors(name, conversion({ strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'], clientConfig } })), [
        'spec.conversion.webhookClientConfig: Required value: exactly one of url or service is required',
      ]);
    }
    assert.deepEqual(errors(name, conversion({ strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'], clientConfig: { url: 'http://a.example.com/x' } } })), [
      `spec.conversion.webhookClientConfig.url: Invalid value: "http": 'https' is the only allowed URL scheme; desired format: https://host[/path]`,
    ]);
    assert.deepEqual(errors(name, conversion({ strategy: 'None', webhook: { conversionReviewVersions: ['v1'], clientConfig: url } })), [
      'spec.conversion.webhookClientConfig: Forbidden: should not be set when strategy is not set to Webhook',
      'spec.conversion.conversionReviewVersions: Forbidden: should not be set when strategy is not set to Webhook',
    ]);
    assert.deepEqual(errors(name, conversion({ strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'], clientConfig: url } })), []);
    assert.deepEqual(errors(name, conversion({ strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'], clientConfig: { service: { namespace: 'hooks', name: 'converter', path: '/convert' } } } })), []);
  });

  it("refuses a schema that is not structural, in kube's words", () => {
    const versions = [
      { name: 'v1', served: true, storage: true, schema },
      { name: 'v2', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { properties: { replicas: { type: 'integer' } } } } } } },
    ];
    assert.deepEqual(errors('widgets.example.com', { versions }), ['spec.versions[1].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields']);
  });
});

describe('customResourceDefinitionStrategy update', () => {
  it('keeps scope and adds a new storage version to storedVersions', () => {
    const old = prepared('widgets.example.com');
    const next = crd('widgets.example.com', { scope: 'Cluster', versions: [{ name: 'v1', served: true, storage: false, schema }, { name: 'v2', served: true, storage: true, schema }] });
    next.status = old.status;
    prepareChanged(strategy, next, old);
    assert.deepEqual((next.status as { storedVersions: string[] }).storedVersions, ['v1', 'v2']);
    assert.deepEqual(strategy.validateUpdate(next, old).map(renderFieldError), ['spec.scope: Invalid value: "Cluster": field is immutable']);
  });
});

describe('customResourceDefinitionStrategy table', () => {
  it('prints NAME CREATED AT, the creation time as a date', () => {
    assert.deepEqual(strategy.tableColumns.map((c) => [c.name, c.type]), [['Name', 'string'], ['Created At', 'date']]);
    const obj = { ...crd('widgets.example.com'), metadata: { name: 'widgets.example.com', creationTimestamp: '2026-01-02T03:04:05Z' } };
    assert.deepEqual(strategy.tableColumns.map((c) => c.cell(obj, 0)), ['widgets.example.com', '2026-01-02T03:04:05Z']);
  });
});
