// The /openapi/v2 and /openapi/v3 endpoints, each document with a strong ETag so clients can
// revalidate with If-None-Match: the built-in kinds' v3 documents built once; the custom resources' v3
// documents (one per group/version, in the v3 index) and the v2 document (which holds every kind)
// rebuilt when the catalogue's custom resources change. The v2 document also merges the aggregated
// servers' own v2 documents (openapi-v2-merge.ts), as kube-aggregator does, rebuilt when they change.
import { isCustomResourceStrategy, KindCatalogue, type CustomResourceStrategy } from '@kapi/kinds';
import type { SchemaCatalogue } from '@kapi/schema';
import { documentHash, groupVersionPath, openApiV2, openApiV3CustomResources, openApiV3Documents, type CustomResourceOpenApi } from './openapi.js';
import { mergeOpenApiV2, type OpenApiV2Document } from './openapi-v2-merge.js';
import { encodeOpenApiV2, OPENAPI_V2_PROTOBUF, OPENAPI_V2_PROTOBUF_RESPONSE } from './openapi-v2-proto.js';

export interface OpenApiAnswer {
  code: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** The aggregated servers' OpenAPI v2 documents, most preferred first; `generation` changes when they may have. */
export interface AggregatedOpenApiV2 {
  readonly generation: number;
  openApiV2Documents(): readonly OpenApiV2Document[];
}

interface Stored {
  body: Buffer;
  etag: string;
  contentType: string;
}

/** What a custom resource's OpenAPI is built from. */
const openApiInputOf = (s: CustomResourceStrategy): CustomResourceOpenApi => ({
  info: s.info,
  openApiSchema: s.openApiSchema as Record<string, unknown> | undefined,
  selectableFieldPaths: s.selectableFieldPaths,
  patchTypes: s.patchTypes,
});

const stored = (doc: unknown): Stored => ({ body: Buffer.from(JSON.stringify(doc)), etag: documentHash(doc), contentType: 'application/json' });

export class OpenApiEndpoints {
  private readonly builtinV3 = new Map<string, Stored>();
  private readonly builtinIndex: Record<string, { serverRelativeURL: string }>;
  private v3 = new Map<string, Stored>();
  private v3Generation = -1;
  private v2: { json: Stored; proto: Stored; generation: string } | undefined;
  private readonly builtin: KindCatalogue;

  constructor(
    private readonly catalogue: KindCatalogue,
    private readonly schemas: SchemaCatalogue,
    private readonly serverVersion: string,
    private readonly aggregated?: AggregatedOpenApiV2,
  ) {
    const builtin = new KindCatalogue(catalogue.strategies);
    this.builtin = builtin;
    const v3 = openApiV3Documents(builtin, schemas, serverVersion);
    this.builtinIndex = (v3.get('')?.paths ?? {}) as Record<string, { serverRelativeURL: string }>;
    for (const [key, doc] of v3) {
      if (key) this.builtinV3.set(key, stored(doc));
    }
    this.v2Documents();
  }

  /** What the documents of the custom resources served now are made from. */
  private customResources(): CustomResourceStrategy[] {
    return (this.catalogue.customResources?.strategies() ?? []).filter(isCustomResourceStrategy);
  }

  /** The v2 document, JSON and protobuf, of the built-in kinds, the custom resources served now and the aggregated servers'. */
  private v2Documents(): { json: Stored; proto: Stored } {
    const generation = `${this.catalogue.generation}/${this.aggregated?.generation ?? 0}`;
    if (this.v2?.generation === generation) return this.v2;
    const own = openApiV2(this.builtin, this.schemas, this.serverVersion, this.customResources().map(openApiInputOf));
    const aggregated = this.aggregated?.openApiV2Documents() ?? [];
    const v2 = aggregated.length ? mergeOpenApiV2(own, aggregated) : own;
    const etag = documentHash(v2);
    this.v2 = {
      json: { body: Buffer.from(JSON.stringify(v2)), etag, contentType: 'application/json' },
      proto: { body: Buffer.from(encodeOpenApiV2(v2)), etag, contentType: OPENAPI_V2_PROTOBUF_RESPONSE },
      generation,
    };
    return this.v2;
  }

  /** The v3 documents: the built-in ones, each custom resource group/version's, and the index of them all. */
  private v3Documents(): Map<string, Stored> {
    if (this.v3Generation === this.catalogue.generation) return this.v3;
    const docs = new Map(this.builtinV3);
    const index = { ...this.builtinIndex };
    const byGroupVersion = new Map<string, CustomResourceStrategy[]>();
    for (const s of this.customResources()) {
      const key = groupVersionPath(s.info.group, s.info.version);
      byGroupVersion.set(key, [...(byGroupVersion.get(key) ?? []), s]);
    }
    for (const [key, strategies] of byGroupVersion) {
      const doc = stored(openApiV3CustomResources(strategies.map(openApiInputOf), this.schemas, this.serverVersion));
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
      const v2 = this.v2Documents();
      doc = wantsProto ? v2.proto : v2.json;
    } else if (path === '/openapi/v3' || path.startsWith('/openapi/v3/')) {
      doc = this.v3Documents().get(path.slice('/openapi/v3'.length).replace(/^\//, ''));
    }
    if (!doc) return undefined;
    const headers: Record<string, string> = { ETag: `"${doc.etag}"`, Vary: 'Accept' };
    if (ifNoneMatch === `"${doc.etag}"`) return { code: 304, headers, body: Buffer.alloc(0) };
    return { code: 200, headers: { ...headers, 'Content-Type': doc.contentType }, body: doc.body };
  }
}
