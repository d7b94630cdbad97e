// The /openapi/v2 and /openapi/v3 endpoints: documents built once (the catalogues are fixed for a
// process), each with a strong ETag so clients can revalidate with If-None-Match.
import type { KindCatalogue } from '@kapi/kinds';
import type { SchemaCatalogue } from '@kapi/schema';
import { documentHash, openApiV2, openApiV3Documents } from './openapi.js';
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

export class OpenApiEndpoints {
  private readonly v3 = new Map<string, Stored>();
  private readonly v2Json: Stored;
  private readonly v2Proto: Stored;

  constructor(catalogue: KindCatalogue, schemas: SchemaCatalogue, serverVersion: string) {
    for (const [key, doc] of openApiV3Documents(catalogue, schemas, serverVersion)) {
      this.v3.set(key, { body: Buffer.from(JSON.stringify(doc)), etag: documentHash(doc), contentType: 'application/json' });
    }
    const v2 = openApiV2(catalogue, schemas, serverVersion);
    const etag = documentHash(v2);
    this.v2Json = { body: Buffer.from(JSON.stringify(v2)), etag, contentType: 'application/json' };
    this.v2Proto = { body: Buffer.from(encodeOpenApiV2(v2)), etag, contentType: OPENAPI_V2_PROTOBUF_RESPONSE };
  }

  /** The answer for a GET of `path`, or undefined when the path is not an OpenAPI document. */
  answer(path: string, accept = '', ifNoneMatch?: string): OpenApiAnswer | undefined {
    let doc: Stored | undefined;
    if (path === '/openapi/v2') {
      const wantsProto = accept.split(',').some((t) => [OPENAPI_V2_PROTOBUF, OPENAPI_V2_PROTOBUF_RESPONSE].includes(t.split(';')[0].trim()));
      doc = wantsProto ? this.v2Proto : this.v2Json;
    } else if (path === '/openapi/v3' || path.startsWith('/openapi/v3/')) {
      doc = this.v3.get(path.slice('/openapi/v3'.length).replace(/^\//, ''));
    }
    if (!doc) return undefined;
    const headers: Record<string, string> = { ETag: `"${doc.etag}"`, Vary: 'Accept' };
    if (ifNoneMatch === `"${doc.etag}"`) return { code: 304, headers, body: Buffer.alloc(0) };
    return { code: 200, headers: { ...headers, 'Content-Type': doc.contentType }, body: doc.body };
  }
}
