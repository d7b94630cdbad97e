// Turning objects, lists and watch events into the representation a client negotiated.
import {
  buildTable,
  encodeProtobufDocument,
  encodeProtobufWatchEvent,
  PROTOBUF_CONTENT_TYPE,
  type IncludeObject,
  type KubeList,
  type KubeObject,
  type TableColumn,
} from '@kapi/api-machinery';
import { stringify } from 'yaml';
import type { Representation } from './negotiation.js';

export interface Encoded {
  contentType: string;
  body: string | Buffer;
}

/** Whether the client negotiated protobuf (a built-in kind's own message, or metadata alone). */
export function isProtobuf(representation: Representation): boolean {
  return representation.kind === 'protobuf' || (representation.kind === 'partial-metadata' && representation.protobuf === true);
}

/** A watch's Content-Type: kube's protobuf watch says it is a stream of frames. */
export function watchContentType(representation: Representation): string {
  return isProtobuf(representation) ? `${PROTOBUF_CONTENT_TYPE};stream=watch` : 'application/json';
}

function asTableVersion<T extends { apiVersion: string }>(doc: T, version: 'v1' | 'v1beta1'): T {
  return { ...doc, apiVersion: `meta.k8s.io/${version}` };
}

function isList(value: KubeObject | KubeList): value is KubeList {
  return Array.isArray((value as KubeList).items);
}

export function includeObjectParam(value: string | null): IncludeObject {
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

/** Encodes a get or list result. Status objects and other non-object documents pass through as JSON. */
export function encodeResult(
  result: KubeObject | KubeList,
  representation: Representation,
  columns: TableColumn[],
  include: IncludeObject,
  pretty: boolean,
): Encoded {
  let doc: unknown = result;
  const isStatus = (result as { kind?: string }).kind === 'Status';
  if (!isStatus && representation.kind === 'table') {
    const items = isList(result) ? result.items : [result];
    const listMeta = isList(result) ? result.metadata : { resourceVersion: result.metadata?.resourceVersion };
    doc = asTableVersion(buildTable(items, columns, { include, listMeta }), representation.version);
  } else if (!isStatus && representation.kind === 'partial-metadata') {
    const apiVersion = `meta.k8s.io/${representation.version}`;
    const partial = (o: KubeObject) => ({ kind: 'PartialObjectMetadata', apiVersion, metadata: o.metadata });
    doc = isList(result) ? { kind: 'PartialObjectMetadataList', apiVersion, metadata: result.metadata, items: result.items.map(partial) } : partial(result);
  }
  if (representation.kind === 'yaml') return { contentType: 'application/yaml', body: stringify(doc) };
  // A document without a message (none is expected where protobuf was negotiated) stays JSON, which
  // client-go reads by the Content-Type.
  const protobuf = isProtobuf(representation) ? encodeProtobufDocument(doc as Record<string, unknown>) : undefined;
  if (protobuf) return { contentType: PROTOBUF_CONTENT_TYPE, body: protobuf };
  return { contentType: 'application/json', body: pretty ? JSON.stringify(doc, null, 2) + '\n' : JSON.stringify(doc) };
}

/**
 * Encodes one watch event: a JSON line, or in protobuf a length-prefixed frame. In Table form only
 * the first event carries the column definitions, as kube-apiserver sends them.
 */
export function encodeWatchEvent(
  type: string,
  object: KubeObject,
  representation: Representation,
  columns: TableColumn[],
  include: IncludeObject,
  first: boolean,
): string | Buffer {
  let doc: unknown = object;
  if (type !== 'ERROR' && type !== 'BOOKMARK' && representation.kind === 'table') {
    doc = asTableVersion(
      buildTable([object], columns, { include, withColumnDefinitions: first, listMeta: { resourceVersion: object.metadata?.resourceVersion } }),
      representation.version,
    );
  } else if (type !== 'ERROR' && representation.kind === 'partial-metadata') {
    doc = { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${representation.version}`, metadata: object.metadata };
  }
  const frame = isProtobuf(representation) ? encodeProtobufWatchEvent(type, doc as Record<string, unknown>) : undefined;
  if (frame) return frame;
  return JSON.stringify({ type, object: doc }) + '\n';
}

const EVENT_END = Buffer.from('}\n');

/**
 * Encodes one watch event whose object arrives as JSON. Plain JSON watches frame the bytes as they
 * are, without decoding them: one event goes to many watchers, and this is the hot path. Protobuf
 * watchers cost a decode and an encode per event each.
 */
export function encodeWatchEventJson(
  type: string,
  objectJson: Buffer,
  representation: Representation,
  columns: TableColumn[],
  include: IncludeObject,
  first: boolean,
): Buffer | string {
  if (representation.kind === 'table' || representation.kind === 'partial-metadata' || representation.kind === 'protobuf') {
    return encodeWatchEvent(type, JSON.parse(objectJson.toString('utf8')) as KubeObject, representation, columns, include, first);
  }
  return Buffer.concat([Buffer.from(`{"type":${JSON.stringify(type)},"object":`), objectJson, EVENT_END]);
}
