// The /openapi/v2 and /openapi/v3 endpoints: the built-in kinds' documents built once, each with a
// strong ETag so clients can revalidate with If-None-Match; the custom resources' v3 documents (one per
// group/version, in the v3 index) rebuilt when the catalogue's custom resources change.
import { isCustomResourceStrategy, KindCatalogue, type CustomResourceStrategy } from '@kapi/kinds';
import type { SchemaCatalogue } from '@kapi/schema';
import { documentHash, groupVersionPath, openApiV2, openApiV3CustomResources, openApiV3Documents } from './openapi.js';
import { encodeOpenApiV2, OPENAPI_V2_PROTOBUF, OPENAPI_V2_PROTOBUF_RESPONSE } from './openapi-v2-proto.js';

export interface OpenApiAnswer {
  code: number;
  headers: Record<string, string>;
  body: Buffer;
}

interface Stored {
  body: Buffer;
  etag: string;
  contentType: string;
}

const stored = (doc: unknown): Stored => ({ body: Buffer.from(JSON.stringify(doc)), etag: documentHash(doc), contentType: 'application/json' });

export class OpenApiEndpoints {
  private readonly builtinV3 = new Map<string, Stored>();
  private readonly builtinIndex: Record<string, { serverRelativeURL: string }>;
  private v3 = new Map<string, Stored>();
  private v3Generation = -1;
  private readonly v2Json: Stored;
  private readonly v2Proto: Stored;

  constructor(
    private readonly catalogue: KindCatalogue,
    private readonly schemas: SchemaCatalogue,
    private readonly serverVersion: string,
  ) {
    const builtin = new KindCatalogue(catalogue.strategies);
    const v3 = openApiV3Documents(builtin, schemas, serverVersion);
    this.builtinIndex = (v3.get('')?.paths ?? {}) as Record<string, { serverRelativeURL: string }>;
    for (const [key, doc] of v3) {
      if (key) this.builtinV3.set(key, stored(doc));
    }
    const v2 = openApiV2(builtin, schemas, serverVersion);
    const etag = documentHash(v2);
    this.v2Json = { body: Buffer.from(JSON.stringify(v2)), etag, contentType: 'application/json' };
    this.v2Proto = { body: Buffer.from(encodeOpenApiV2(v2)), etag, contentType: OPENAPI_V2_PROTOBUF_RESPONSE };
  }

  /** The v3 documents: the built-in ones, each custom resource group/version's, and the index of them all. */
  private v3Documents(): Map<string, Stored> {
    if (this.v3Generation === this.catalogue.generation) return this.v3;
    const docs = new Map(this.builtinV3);
    const index = { ...this.builtinIndex };
    const byGroupVersion = new Map<string, CustomResourceStrategy[]>();
    for (const s of this.catalogue.customResources?.strategies() ?? []) {
      if (!isCustomResourceStrategy(s)) continue;
      const key = groupVersionPath(s.info.group, s.info.version);
      byGroupVersion.set(key, [...(byGroupVersion.get(key) ?? []), s]);
    }
    for (const [key, strategies] of byGroupVersion) {
      const doc = stored(openApiV3CustomResources(strategies.map((s) => ({ info: s.info, openApiSchema: s.openApiSchema as Record<string, unknown> | undefined, selectableFieldPaths: s.selectableFieldPaths, patchTypes: s.patchTypes })), this.schemas, this.serverVersion));
      docs.set(key, doc);
      index[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${doc.etag}` };
    }
    docs.set('', stored({ paths: index }));
    this.v3 = docs;
    this.v3Generation = this.catalogue.generation;
    return docs;
  }

  /** The answer for a GET of `path`, or undefined when the path is not an OpenAPI document. */
  answer(path: string, accept = '', ifNoneMatch?: string): OpenApiAnswer | undefined {
    let doc: Stored | undefined;
    if (path === '/openapi/v2') {
      const wantsProto = accept.split(',').some((t) => [OPENAPI_V2_PROTOBUF, OPENAPI_V2_PROTOBUF_RESPONSE].includes(t.split(';')[0].trim()));
      doc = wantsProto ? this.v2Proto : this.v2Json;
    } else if (path === '/openapi/v3' || path.startsWith('/openapi/v3/')) {
      doc = this.v3Documents().get(path.slice('/openapi/v3'.length).replace(/^\//, ''));
    }
    if (!doc) return undefined;
    const headers: Record<string, string> = { ETag: `"${doc.etag}"`, Vary: 'Accept' };
    if (ifNoneMatch === `"${doc.etag}"`) return { code: 304, headers, body: Buffer.alloc(0) };
    return { code: 200, headers: { ...headers, 'Content-Type': doc.contentType }, body: doc.body };
  }
}
