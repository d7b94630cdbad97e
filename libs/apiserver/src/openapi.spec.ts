import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { CustomResourceKinds, KindCatalogue } from '@kapi/kinds';
import { builtinSchemas } from '@kapi/schema';
import { openApiV2, openApiV3Documents } from './openapi.js';
import { encodeOpenApiV2, OPENAPI_V2_PROTOBUF } from './openapi-v2-proto.js';
import { OpenApiEndpoints } from './openapi-endpoints.js';

const catalogue = new KindCatalogue();
const schemas = builtinSchemas();
type Json = Record<string, any>;

/** Reads a message into field number → list of raw values (strings for length-delimited fields). */
function fields(bytes: Uint8Array): Map<number, Uint8Array[]> {
  const reader = new BinaryReader(bytes);
  const out = new Map<number, Uint8Array[]>();
  while (reader.pos < reader.len) {
    const [no, type] = reader.tag();
    if (type === WireType.LengthDelimited) out.set(no, [...(out.get(no) ?? []), reader.bytes()]);
    else reader.skip(type);
  }
  return out;
}
const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

describe('OpenAPI v3', () => {
  const docs = openApiV3Documents(catalogue, schemas, 'v1.33.0');

  it('indexes one document per group/version by its hash', () => {
    const index = docs.get('') as Json;
    assert.match(index.paths['api/v1'].serverRelativeURL, /^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);
    assert.ok(docs.has('apis/rbac.authorization.k8s.io/v1'));
  });

  it('leaves out the parameters of an operation that has none, as kube does (an empty list does not round-trip through kube-openapi)', () => {
    const doc = docs.get('api/v1') as Json;
    const item = doc.paths['/api/v1/namespaces/{namespace}/configmaps/{name}'];
    assert.equal('parameters' in item.get, false);
    for (const [, document] of docs) {
      for (const pathItem of Object.values((document as Json).paths ?? {}) as Json[]) {
        for (const op of Object.values(pathItem)) if (op && typeof op === 'object' && !Array.isArray(op)) assert.notDeepEqual((op as Json).parameters, []);
      }
    }
  });

  it('declares write parameters and patch content types, with the group/version/kind of each operation', () => {
    const doc = docs.get('api/v1') as Json;
    const item = doc.paths['/api/v1/namespaces/{namespace}/configmaps/{name}'];
    const names = item.patch.parameters.map((p: Json) => p.name);
    for (const n of ['dryRun', 'fieldManager', 'fieldValidation', 'force']) assert.ok(names.includes(n), n);
    assert.deepEqual(Object.keys(item.patch.requestBody.content).sort(), [
      'application/apply-patch+yaml',
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/strategic-merge-patch+json',
    ]);
    assert.deepEqual(item.patch['x-kubernetes-group-version-kind'], { group: '', version: 'v1', kind: 'ConfigMap' });
    assert.equal(item.put.requestBody.content['*/*'].schema.$ref, '#/components/schemas/io.k8s.api.core.v1.ConfigMap');
  });

  it('wraps references with siblings in allOf and carries list metadata', () => {
    const doc = docs.get('api/v1') as Json;
    const podSpec = doc.components.schemas['io.k8s.api.core.v1.PodSpec'];
    assert.equal(podSpec.properties.containers.items.$ref, '#/components/schemas/io.k8s.api.core.v1.Container');
    assert.deepEqual(podSpec.properties.containers['x-kubernetes-list-map-keys'], ['name']);
    const quantity = doc.components.schemas['io.k8s.apimachinery.pkg.api.resource.Quantity'];
    assert.deepEqual([quantity.type, quantity.oneOf], [undefined, [{ type: 'string' }, { type: 'integer' }]]);
    const template = doc.components.schemas['io.k8s.api.core.v1.PodTemplateSpec'];
    assert.ok(template.properties.spec.allOf?.[0].$ref === '#/components/schemas/io.k8s.api.core.v1.PodSpec' || template.properties.spec.$ref);
  });
});

describe('OpenAPI v2', () => {
  const doc = openApiV2(catalogue, schemas, 'v1.33.0') as Json;

  it('refers to #/definitions and keeps the gvk on kinds', () => {
    assert.equal(doc.swagger, '2.0');
    assert.deepEqual(doc.definitions['io.k8s.api.core.v1.ConfigMap']['x-kubernetes-group-version-kind'], [{ group: '', version: 'v1', kind: 'ConfigMap' }]);
    const patch = doc.paths['/api/v1/namespaces/{namespace}/configmaps/{name}'].patch;
    assert.ok(patch.consumes.includes('application/strategic-merge-patch+json'));
    assert.ok(patch.parameters.some((p: Json) => p.name === 'fieldValidation' && p.in === 'query' && p.type === 'string'));
  });

  it('encodes as gnostic openapi.v2.Document', () => {
    const top = fields(encodeOpenApiV2(doc));
    assert.equal(text(top.get(1)![0]), '2.0');
    assert.equal(text(fields(top.get(2)![0]).get(1)![0]), 'Kubernetes');
    // definitions (9) → NamedSchema (1) → name (1), Schema (2)
    const named = fields(top.get(9)![0]).get(1)!.map(fields);
    const configMap = named.find((n) => text(n.get(1)![0]) === 'io.k8s.api.core.v1.ConfigMap')!;
    const schema = fields(configMap.get(2)![0]);
    assert.match(text(schema.get(4)![0]), /ConfigMap holds configuration data/);
    // vendor_extension (31) → NamedAny { name, Any { yaml = 2 } }
    const ext = fields(schema.get(31)![0]);
    assert.equal(text(ext.get(1)![0]), 'x-kubernetes-group-version-kind');
    assert.deepEqual(JSON.parse(text(fields(ext.get(2)![0]).get(2)![0])), [{ group: '', version: 'v1', kind: 'ConfigMap' }]);
  });

  it('is served as JSON or protobuf by Accept, with an ETag', () => {
    const endpoints = new OpenApiEndpoints(catalogue, schemas, 'v1.33.0');
    const json = endpoints.answer('/openapi/v2', 'application/json')!;
    assert.equal(json.headers['Content-Type'], 'application/json');
    const proto = endpoints.answer('/openapi/v2', `${OPENAPI_V2_PROTOBUF}, application/json;q=0.5`)!;
    assert.equal(proto.headers['Content-Type'], 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    assert.equal(endpoints.answer('/openapi/v2', '', json.headers.ETag)!.code, 304);
    assert.equal(endpoints.answer('/openapi/v3/apis/nope/v1'), undefined);
  });

  it('merges the aggregated servers\' documents, and its ETag changes with them', () => {
    const aggregated = { generation: 0, documents: [] as { paths: Json; definitions: Json }[], openApiV2Documents: () => aggregated.documents };
    const endpoints = new OpenApiEndpoints(catalogue, schemas, 'v1.33.0', aggregated);
    const before = endpoints.answer('/openapi/v2', 'application/json')!;
    aggregated.documents = [
      {
        paths: { '/apis/wardle.example.com/v1alpha1/flunders': { get: { responses: { 200: { schema: { $ref: '#/definitions/com.example.wardle.v1alpha1.FlunderList' } } } } } },
        definitions: { 'com.example.wardle.v1alpha1.FlunderList': { type: 'object', description: 'FlunderList is a list of Flunder objects.' } },
      },
    ];
    aggregated.generation++;
    const after = endpoints.answer('/openapi/v2', 'application/json')!;
    assert.notEqual(after.headers.ETag, before.headers.ETag);
    const doc = JSON.parse(after.body.toString()) as Json;
    assert.ok(doc.paths['/apis/wardle.example.com/v1alpha1/flunders']);
    assert.ok(doc.paths['/api/v1/namespaces/{namespace}/configmaps'], 'its own paths stay');
    assert.equal(doc.definitions['com.example.wardle.v1alpha1.FlunderList'].description, 'FlunderList is a list of Flunder objects.');
    assert.equal(endpoints.answer('/openapi/v2', OPENAPI_V2_PROTOBUF)!.code, 200);
  });
});

describe('OpenAPI v3 of custom resources', () => {
  const crd = {
    metadata: { name: 'widgets.demo.kapi.io', resourceVersion: '3' },
    spec: {
      group: 'demo.kapi.io',
      scope: 'Namespaced',
      names: { plural: 'widgets', kind: 'Widget' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          selectableFields: [{ jsonPath: '.spec.mode' }],
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { mode: { type: 'string', enum: ['fast', 'slow'], default: 'fast' } } } } } },
        },
      ],
    },
    status: { conditions: [{ type: 'Established', status: 'True' }] },
  };

  it('lists a served CRD group/version in the index, and its document carries the kind with type and object meta', () => {
    const kinds = new CustomResourceKinds();
    const endpoints = new OpenApiEndpoints(new KindCatalogue(undefined, kinds), schemas, 'v1.33.0');
    const index = () => JSON.parse(endpoints.answer('/openapi/v3')!.body.toString()).paths as Json;
    assert.equal(index()['apis/demo.kapi.io/v1'], undefined);
    kinds.update(crd);
    const entry = index()['apis/demo.kapi.io/v1'];
    assert.match(entry.serverRelativeURL, /^\/openapi\/v3\/apis\/demo\.kapi\.io\/v1\?hash=[0-9A-F]{128}$/);
    const doc = JSON.parse(endpoints.answer('/openapi/v3/apis/demo.kapi.io/v1')!.body.toString()) as Json;
    const widget = doc.components.schemas['io.kapi.demo.v1.Widget'];
    assert.deepEqual(Object.keys(widget.properties), ['apiVersion', 'kind', 'metadata', 'spec']);
    assert.deepEqual(widget.properties.metadata.allOf, [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }]);
    assert.deepEqual(widget['x-kubernetes-group-version-kind'], [{ group: 'demo.kapi.io', kind: 'Widget', version: 'v1' }]);
    assert.deepEqual(widget['x-kubernetes-selectable-fields'], [{ fieldPath: 'spec.mode' }]);
    assert.deepEqual(doc.components.schemas['io.kapi.demo.v1.WidgetList'].properties.items.items, { $ref: '#/components/schemas/io.kapi.demo.v1.Widget' });
    const patch = doc.paths['/apis/demo.kapi.io/v1/namespaces/{namespace}/widgets/{name}'].patch;
    assert.deepEqual(Object.keys(patch.requestBody.content), ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml']);
    assert.deepEqual(doc.components.schemas['io.kapi.demo.v1.WidgetList']['x-kubernetes-selectable-fields'], [{ fieldPath: 'spec.mode' }]);
    // v2 holds the custom resources beside the built-in kinds, without what v2 cannot say (defaults).
    const v2 = JSON.parse(endpoints.answer('/openapi/v2')!.body.toString()) as Json;
    assert.deepEqual(v2.definitions['io.kapi.demo.v1.Widget'].properties.spec.properties.mode, { type: 'string', enum: ['fast', 'slow'] });
    assert.ok(v2.paths['/apis/demo.kapi.io/v1/namespaces/{namespace}/widgets/{name}'].patch);
    assert.ok(v2.definitions['io.k8s.api.core.v1.Pod']);
    assert.ok(endpoints.answer('/openapi/v2', OPENAPI_V2_PROTOBUF)!.body.length > 0);
    kinds.remove('widgets.demo.kapi.io');
    assert.equal(index()['apis/demo.kapi.io/v1'], undefined);
    assert.equal(JSON.parse(endpoints.answer('/openapi/v2')!.body.toString()).definitions['io.kapi.demo.v1.Widget'], undefined);
  });

  it('publishes the status and scale subresources as kube-apiserver v1.34.2 does: get, put and patch, the kind\'s gvk, a Scale for scale', () => {
    const scalers = {
      metadata: { name: 'scalers.crdgaps.kapi.io', resourceVersion: '4' },
      spec: {
        group: 'crdgaps.kapi.io',
        scope: 'Namespaced',
        names: { plural: 'scalers', singular: 'scaler', kind: 'Scaler', listKind: 'ScalerList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } },
            schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { replicas: { type: 'integer' } } } } } },
          },
        ],
      },
      status: { conditions: [{ type: 'Established', status: 'True' }] },
    };
    const kinds = new CustomResourceKinds();
    const endpoints = new OpenApiEndpoints(new KindCatalogue(undefined, kinds), schemas, 'v1.34.2');
    kinds.update(scalers);
    const item = '/apis/crdgaps.kapi.io/v1/namespaces/{namespace}/scalers/{name}';
    const summary = (doc: Json, v3: boolean) =>
      ['', '/status', '/scale'].map((sub) => {
        const path = doc.paths[`${item}${sub}`];
        return [
          sub,
          path.parameters.map((p: Json) => p.name),
          ...['get', 'put', 'patch'].map((method) => {
            const op = path[method];
            const refs = Object.entries(op.responses as Record<string, Json>)
              .filter(([code]) => code !== '401')
              .map(([code, r]) => `${code} ${r.description} ${(v3 ? r.content['application/json'].schema : r.schema).$ref}`);
            return [op.operationId, op.tags, op.description, op['x-kubernetes-action'], op['x-kubernetes-group-version-kind'], refs];
          }),
        ];
      });
    const ref = (v3: boolean, def: string) => `${v3 ? '#/components/schemas/' : '#/definitions/'}${def}`;
    // What the reference kube-apiserver publishes for the same CRD (its documents, summarised so).
    const expected = (v3: boolean) => {
      const gvk = { group: 'crdgaps.kapi.io', version: 'v1', kind: 'Scaler' };
      const ops = (suffix: string, what: string, def: string) => [
        [`readCrdgapsKapiIoV1NamespacedScaler${suffix}`, ['crdgapsKapiIo_v1'], `read ${what}the specified Scaler`, 'get', gvk, [`200 OK ${ref(v3, def)}`]],
        [`replaceCrdgapsKapiIoV1NamespacedScaler${suffix}`, ['crdgapsKapiIo_v1'], `replace ${what}the specified Scaler`, 'put', gvk, [`200 OK ${ref(v3, def)}`, `201 Created ${ref(v3, def)}`]],
        [`patchCrdgapsKapiIoV1NamespacedScaler${suffix}`, ['crdgapsKapiIo_v1'], `partially update ${what}the specified Scaler`, 'patch', gvk, [`200 OK ${ref(v3, def)}`]],
      ];
      return [
        ['/status', ['name', 'namespace', 'pretty'], ...ops('Status', 'status of ', 'io.kapi.crdgaps.v1.Scaler')],
        ['/scale', ['name', 'namespace', 'pretty'], ...ops('Scale', 'scale of ', 'io.k8s.api.autoscaling.v1.Scale')],
      ];
    };
    const v3 = JSON.parse(endpoints.answer('/openapi/v3/apis/crdgaps.kapi.io/v1')!.body.toString()) as Json;
    assert.deepEqual(summary(v3, true).slice(1), expected(true));
    assert.deepEqual(Object.keys(v3.paths[`${item}/scale`].patch.requestBody.content).sort(), ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json']);
    for (const name of ['io.k8s.api.autoscaling.v1.Scale', 'io.k8s.api.autoscaling.v1.ScaleSpec', 'io.k8s.api.autoscaling.v1.ScaleStatus']) assert.ok(v3.components.schemas[name], name);
    const v2 = JSON.parse(endpoints.answer('/openapi/v2')!.body.toString()) as Json;
    assert.deepEqual(summary(v2, false).slice(1), expected(false));
    assert.ok(v2.definitions['io.k8s.api.autoscaling.v1.Scale']);
  });
});

describe('OpenAPI operations of custom resources, as kube-apiserver v1.34.2 publishes them', () => {
  const widgets = {
    metadata: { name: 'widgets.cro.example.com', resourceVersion: '5' },
    spec: {
      group: 'cro.example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { replicas: { type: 'integer' } } } } } },
        },
      ],
    },
    status: { conditions: [{ type: 'Established', status: 'True' }] },
  };
  // A cluster-scoped kind spelled in lower case, with a dash in its group: how ids and articles come out.
  const items = {
    metadata: { name: 'items.cro-two.example.com', resourceVersion: '6' },
    spec: {
      group: 'cro-two.example.com',
      scope: 'Cluster',
      names: { plural: 'items', singular: 'item', kind: 'item', listKind: 'itemList' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
    status: { conditions: [{ type: 'Established', status: 'True' }] },
  };
  const kinds = new CustomResourceKinds();
  kinds.update(widgets);
  kinds.update(items);
  const endpoints = new OpenApiEndpoints(new KindCatalogue(undefined, kinds), schemas, 'v1.34.2');
  const names = (params: Json[] | undefined) => (params ?? []).map((p) => p.name).join(' ');
  const last = (ref: string) => ref.split('/').pop()!;
  /** A path per line: its parameters, then each operation's id, description, parameters, body, answers and what they produce. */
  const summary = (doc: Json, group: string) =>
    Object.fromEntries(
      Object.entries(doc.paths as Record<string, Json>)
        .filter(([path]) => path.includes(`/${group}/`))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([path, item]) => [
          path,
          [
            names(item.parameters),
            ...['get', 'post', 'put', 'patch', 'delete']
              .filter((method) => item[method])
              .map((method) => {
                const op = item[method];
                const content = op.requestBody?.content as Record<string, Json> | undefined;
                const body = content ? `${Object.keys(content).sort().join(' ')} ${last(Object.values(content)[0].schema.$ref)}${op.requestBody.required ? ' required' : ''}` : '';
                const answers = Object.entries(op.responses as Record<string, Json>)
                  .map(([code, r]) => `${code}${r.content ? `:${last(r.content['application/json'].schema.$ref).split('.').pop()}` : ''}`)
                  .join(' ');
                const produces = Object.keys((Object.values(op.responses as Record<string, Json>)[0] as Json).content).sort().join(' ');
                return `${method} ${op.operationId} | ${op.description} | ${names(op.parameters)} | ${body} | ${answers} | ${produces}`;
              }),
          ],
        ]),
    );
  const JY = 'application/json application/yaml';
  const LIST = 'allowWatchBookmarks continue fieldSelector labelSelector limit resourceVersion resourceVersionMatch sendInitialEvents timeoutSeconds watch';
  const DELETE = 'dryRun gracePeriodSeconds ignoreStoreReadErrorWithClusterBreakingPotential orphanDependents propagationPolicy';
  const PATCHES = 'application/apply-patch+yaml application/json-patch+json application/merge-patch+json io.k8s.apimachinery.pkg.apis.meta.v1.Patch required';
  const WRITE = 'dryRun fieldManager fieldValidation';

  it('publishes the paths and operations of a namespaced kind with status and scale as the reference does', () => {
    const doc = JSON.parse(endpoints.answer('/openapi/v3/apis/cro.example.com/v1')!.body.toString()) as Json;
    const base = '/apis/cro.example.com/v1/namespaces/{namespace}/widgets';
    const sub = (s: string, def: string, ref: string) => [
      'name namespace pretty',
      `get readCroExampleComV1NamespacedWidget${s} | read ${s.toLowerCase()} of the specified Widget | resourceVersion |  | 200:${def} 401 | ${JY}`,
      `put replaceCroExampleComV1NamespacedWidget${s} | replace ${s.toLowerCase()} of the specified Widget | ${WRITE} | ${JY} ${ref} required | 200:${def} 201:${def} 401 | ${JY}`,
      `patch patchCroExampleComV1NamespacedWidget${s} | partially update ${s.toLowerCase()} of the specified Widget | ${WRITE} force | ${PATCHES} | 200:${def} 401 | ${JY}`,
    ];
    assert.deepEqual(summary(doc, 'cro.example.com'), {
      [base]: [
        'namespace pretty',
        `get listCroExampleComV1NamespacedWidget | list objects of kind Widget | ${LIST} |  | 200:WidgetList 401 | ${JY}`,
        `post createCroExampleComV1NamespacedWidget | create a Widget | ${WRITE} | ${JY} com.example.cro.v1.Widget required | 200:Widget 201:Widget 202:Widget 401 | ${JY}`,
        `delete deleteCroExampleComV1CollectionNamespacedWidget | delete collection of Widget | ${LIST} |  | 200:Status 401 | ${JY}`,
      ],
      [`${base}/{name}`]: [
        'name namespace pretty',
        `get readCroExampleComV1NamespacedWidget | read the specified Widget | resourceVersion |  | 200:Widget 401 | ${JY}`,
        `put replaceCroExampleComV1NamespacedWidget | replace the specified Widget | ${WRITE} | ${JY} com.example.cro.v1.Widget required | 200:Widget 201:Widget 401 | ${JY}`,
        `patch patchCroExampleComV1NamespacedWidget | partially update the specified Widget | ${WRITE} force | ${PATCHES} | 200:Widget 401 | ${JY}`,
        `delete deleteCroExampleComV1NamespacedWidget | delete a Widget | ${DELETE} | ${JY} io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions | 200:Status 202:Status 401 | ${JY}`,
      ],
      [`${base}/{name}/scale`]: sub('Scale', 'Scale', 'io.k8s.api.autoscaling.v1.Scale'),
      [`${base}/{name}/status`]: sub('Status', 'Widget', 'com.example.cro.v1.Widget'),
      // Across all namespaces: its one operation's parameters are the path's.
      '/apis/cro.example.com/v1/widgets': [
        'allowWatchBookmarks continue fieldSelector labelSelector limit pretty resourceVersion resourceVersionMatch sendInitialEvents timeoutSeconds watch',
        `get listCroExampleComV1WidgetForAllNamespaces | list objects of kind Widget |  |  | 200:WidgetList 401 | ${JY}`,
      ],
    });
    for (const name of ['io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions', 'io.k8s.apimachinery.pkg.apis.meta.v1.Preconditions']) assert.ok(doc.components.schemas[name], name);
  });

  it('spells a cluster-scoped lower-case kind as the reference does: ids capitalised after the verb, "an item"', () => {
    const doc = JSON.parse(endpoints.answer('/openapi/v3/apis/cro-two.example.com/v1')!.body.toString()) as Json;
    assert.deepEqual(summary(doc, 'cro-two.example.com'), {
      '/apis/cro-two.example.com/v1/items': [
        'pretty',
        `get listCroTwoExampleComV1Item | list objects of kind item | ${LIST} |  | 200:itemList 401 | ${JY}`,
        `post createCroTwoExampleComV1Item | create an item | ${WRITE} | ${JY} com.example.cro-two.v1.item required | 200:item 201:item 202:item 401 | ${JY}`,
        `delete deleteCroTwoExampleComV1Collectionitem | delete collection of item | ${LIST} |  | 200:Status 401 | ${JY}`,
      ],
      '/apis/cro-two.example.com/v1/items/{name}': [
        'name pretty',
        `get readCroTwoExampleComV1Item | read the specified item | resourceVersion |  | 200:item 401 | ${JY}`,
        `put replaceCroTwoExampleComV1Item | replace the specified item | ${WRITE} | ${JY} com.example.cro-two.v1.item required | 200:item 201:item 401 | ${JY}`,
        `patch patchCroTwoExampleComV1Item | partially update the specified item | ${WRITE} force | ${PATCHES} | 200:item 401 | ${JY}`,
        `delete deleteCroTwoExampleComV1Item | delete an item | ${DELETE} | ${JY} io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions | 200:Status 202:Status 401 | ${JY}`,
      ],
    });
    assert.deepEqual(doc.paths['/apis/cro-two.example.com/v1/items'].get.tags, ['croTwoExampleCom_v1']);
  });

  it('says the same in v2: consumes and produces per operation, an optional DeleteOptions body', () => {
    const doc = JSON.parse(endpoints.answer('/openapi/v2')!.body.toString()) as Json;
    const item = doc.paths['/apis/cro.example.com/v1/namespaces/{namespace}/widgets/{name}'];
    for (const method of ['get', 'put', 'delete']) assert.deepEqual([method, item[method].consumes, item[method].produces], [method, ['application/json', 'application/yaml'], ['application/json', 'application/yaml']]);
    assert.deepEqual(item.patch.consumes, ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml']);
    assert.deepEqual(item.delete.parameters[0], { name: 'body', in: 'body', schema: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions' } });
    assert.deepEqual(Object.keys(item.patch.responses), ['200', '401']);
    const all = doc.paths['/apis/cro.example.com/v1/widgets'];
    assert.equal(all.get.operationId, 'listCroExampleComV1WidgetForAllNamespaces');
    assert.equal('parameters' in all.get, false);
    assert.equal(names(all.parameters), 'allowWatchBookmarks continue fieldSelector labelSelector limit pretty resourceVersion resourceVersionMatch sendInitialEvents timeoutSeconds watch');
  });
});

describe('OpenAPI operations of built-in kinds shared with custom resources', () => {
  const doc = openApiV3Documents(catalogue, schemas, 'v1.34.2').get('apis/apps/v1') as Json;
  const core = openApiV3Documents(catalogue, schemas, 'v1.34.2').get('api/v1') as Json;

  it('spell a delete-collection as kube does, and take DeleteOptions (body and query) besides the list parameters', () => {
    const op = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments'].delete;
    assert.equal(op.operationId, 'deleteAppsV1CollectionNamespacedDeployment');
    assert.deepEqual(
      op.parameters.map((p: Json) => p.name),
      ['continue', 'dryRun', 'fieldSelector', 'gracePeriodSeconds', 'ignoreStoreReadErrorWithClusterBreakingPotential', 'labelSelector', 'limit', 'orphanDependents', 'propagationPolicy', 'resourceVersion', 'resourceVersionMatch', 'sendInitialEvents', 'timeoutSeconds'],
    );
    assert.deepEqual(op.requestBody, { content: { '*/*': { schema: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions' } } } });
    assert.ok(doc.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions']);
  });

  it('list a namespaced kind across all namespaces, with the watch stream types', () => {
    const all = doc.paths['/apis/apps/v1/deployments'];
    assert.equal(all.get.operationId, 'listAppsV1DeploymentForAllNamespaces');
    assert.equal(all.get.description, 'list or watch objects of kind Deployment');
    assert.deepEqual(Object.keys(all.get.responses['200'].content).sort(), [
      'application/json',
      'application/json;stream=watch',
      'application/vnd.kubernetes.protobuf',
      'application/vnd.kubernetes.protobuf;stream=watch',
      'application/yaml',
    ]);
  });

  it('put kube\'s article before a kind', () => {
    assert.equal(core.paths['/api/v1/namespaces/{namespace}/endpoints'].post.description, 'create Endpoints');
    assert.equal(core.paths['/api/v1/namespaces/{namespace}/endpoints/{name}'].delete.description, 'delete Endpoints');
    assert.equal(core.paths['/api/v1/namespaces/{namespace}/configmaps'].post.description, 'create a ConfigMap');
    assert.equal(core.paths['/api/v1/namespaces/{namespace}/events'].post.description, 'create an Event');
  });
});
