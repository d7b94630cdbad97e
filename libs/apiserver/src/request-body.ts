// The body of a write, as kube-apiserver's handlers take it: its media type negotiated, read within
// the size limit, and decoded to JSON within budgets of nesting and size, so that no body can make
// the front door allocate or compute without bound. Each refusal is the Status kube-apiserver gives.
import type { IncomingMessage } from 'node:http';
import { CORE_SCHEMA, load as loadYaml, YAMLException, type LoadOptions } from 'js-yaml';
import { badRequest, decodeEnvelope, decodeProtobufObject, isPlainObject, isStatusError, PROTOBUF_CONTENT_TYPE, StatusError, type MessageSchema } from '@kapi/api-machinery';
import { goJsonSyntaxError } from './go-json-syntax.js';
import { PATCH_MEDIA_TYPES } from './patch-options.js';

/** kube-apiserver's MaxRequestBodyBytes: twice etcd's 1.5 MiB, since JSON is larger than what is stored. */
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

/**
 * How deep a decoded body may nest. Go's JSON scanner stops at 10,000; kapi's walkers (and
 * JSON.stringify) recurse, so it stops at 100, far deeper than any Kubernetes object goes.
 */
export const MAX_BODY_NESTING = 100;

/**
 * What a decoded body may amount to as JSON. A JSON or protobuf body cannot reach it from 3 MiB; a
 * YAML body can, by its aliases, and is refused as goyaml refuses excessive aliasing.
 */
export const MAX_DECODED_BODY_BYTES = 4 * MAX_REQUEST_BODY_BYTES;

/** The media types kube-apiserver decodes a body from, in the order its 415 lists them. */
export const INPUT_MEDIA_TYPES: readonly string[] = ['application/json', 'application/yaml', PROTOBUF_CONTENT_TYPE];

function unsupportedMediaType(accepted: readonly string[]): StatusError {
  return new StatusError('KAPI_ERR_UNSUPPORTED_MEDIA_TYPE', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`);
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * The media type a create, update or delete body is decoded as (NegotiateInputSerializer): the
 * Content-Type parsed as Go's mime.ParseMediaType does, `application/json` when there is none, and
 * 415 for anything else.
 */
export function inputMediaType(contentType: string | undefined): string {
  if (!contentType) return INPUT_MEDIA_TYPES[0];
  const [type, ...params] = contentType.split(';');
  const mediaType = type.trim().toLowerCase();
  const [major, minor, extra] = mediaType.split('/');
  const wellFormed = extra === undefined && TOKEN.test(major ?? '') && TOKEN.test(minor ?? '') && params.every((p) => !p.trim() || /^\s*[^=\s]+\s*=\s*("[^"]*"|[^"\s]+)\s*$/.test(p));
  if (wellFormed && INPUT_MEDIA_TYPES.includes(mediaType)) return mediaType;
  throw unsupportedMediaType(INPUT_MEDIA_TYPES);
}

/**
 * The patch type of a PATCH. kube-apiserver's router (go-restful) first refuses a Content-Type that
 * names none of the patch types, with its own words; the handler then takes the type up to any `;`,
 * and refuses one it does not apply (parsePatchOptions) in the words of NegotiateInputSerializer.
 */
export function patchMediaType(contentType: string | undefined): string {
  // go-restful: a missing Content-Type counts as application/octet-stream; any listed type may match.
  const listed = (contentType || 'application/octet-stream').split(',').map((t) => t.split(';')[0].trim());
  if (!listed.some((t) => PATCH_MEDIA_TYPES.includes(t))) {
    throw new StatusError('KAPI_ERR_UNSUPPORTED_MEDIA_TYPE', '415: Unsupported Media Type', {});
  }
  return (contentType ?? '').split(';')[0];
}

function tooLarge(limit: number): StatusError {
  return new StatusError('KAPI_ERR_REQUEST_TOO_LARGE', `Request entity too large: limit is ${limit}`);
}

/**
 * How much of a body past the limit is still read (and dropped) before the 413 is sent: a client
 * still writing when the connection closes would never read the answer. Beyond it the connection is
 * closed regardless; Go's server, which lingers on close, loses such clients too.
 */
const DRAIN_BYTES = 4 * MAX_REQUEST_BODY_BYTES;

/**
 * The request body, refused with 413 past `limit` (kube's limitedReadBody). What the client still
 * sends after the limit is read and dropped first (up to DRAIN_BYTES), so that it can read the answer.
 */
export function readBody(req: IncomingMessage, limit = MAX_REQUEST_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    const chunks: Buffer[] = [];
    let size = 0;
    let over = declared > limit;
    const refuse = () => {
      req.removeAllListeners('data');
      req.resume();
      reject(tooLarge(limit));
    };
    if (declared > DRAIN_BYTES) return refuse();
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > DRAIN_BYTES) return refuse();
      if (size > limit) over = true;
      if (over) chunks.length = 0;
      else chunks.push(chunk);
    });
    req.on('end', () => (over ? reject(tooLarge(limit)) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
    req.on('close', () => reject(new Error('the client closed the request before sending all of it')));
  });
}

/**
 * What a decoding step failed on, before it is put in the words of the handler that decoded.
 * `interpreting` marks the failures of kube's first look at a body as JSON (its apiVersion and kind),
 * which kube words as `couldn't get version/kind; json parse error: …`.
 */
class DecodeError extends Error {
  constructor(
    message: string,
    readonly interpreting = false,
  ) {
    super(message);
  }
}

/** Go's name for a JSON value's type, as its decoder's errors give it. */
function goJsonType(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  return typeof value;
}

/** The Go struct kube's SimpleMetaFactory decodes a body's apiVersion and kind into. */
const TYPE_META_STRUCT = 'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';

/** A body that is JSON but not an object (or null): Go cannot read an apiVersion and kind from it. */
function requireObject(value: unknown): void {
  if (value !== null && !isPlainObject(value)) {
    throw new DecodeError(`json: cannot unmarshal ${goJsonType(value)} into Go value of type ${TYPE_META_STRUCT}`, true);
  }
}

/**
 * goyaml reads UTF-8 only: a lead byte that cannot start a sequence, or a sequence cut short, stops
 * it where Node would quietly read U+FFFD.
 */
function checkUtf8(body: Buffer): void {
  for (let i = 0; i < body.length; ) {
    const lead = body[i];
    const width = lead < 0x80 ? 1 : lead >> 5 === 0b110 ? 2 : lead >> 4 === 0b1110 ? 3 : lead >> 3 === 0b11110 ? 4 : 0;
    if (width === 0) throw new DecodeError('yaml: invalid leading UTF-8 octet');
    for (let k = 1; k < width; k++) {
      if (i + k >= body.length || body[i + k] >> 6 !== 0b10) throw new DecodeError('yaml: invalid trailing UTF-8 octet');
    }
    i += width;
  }
}

/** kube's summarizeData: the first 30 bytes, as text when the body is a JSON object, else in hex. */
function summarize(body: Buffer): string {
  if (body.length === 0) return '<empty>';
  const head = body.subarray(0, 30);
  const shown = body[0] === 0x7b ? head.toString('utf8') : head.toString('hex');
  return body.length > 30 ? `${shown} ...` : shown;
}

/**
 * YAML as sigs.k8s.io/yaml reads it: one document of YAML 1.2 core types, nesting bounded. js-yaml
 * reads a 3 MiB document in about a second where the `yaml` package took minutes for some shapes.
 */
function parseYaml(text: string): unknown {
  try {
    const options: LoadOptions & { maxDepth: number } = { schema: CORE_SCHEMA, maxDepth: MAX_BODY_NESTING };
    try {
      return loadYaml(text, options) ?? null;
    } catch (err) {
      // A repeated key is no decoding error: its last value wins, and fieldValidation reports it (yaml-duplicate-keys.ts).
      if (!(err instanceof YAMLException) || err.reason !== 'duplicated mapping key') throw err;
      return loadYaml(text, { ...options, json: true }) ?? null;
    }
  } catch (err) {
    if (err instanceof YAMLException) {
      if (err.reason.startsWith('nesting exceeded maxDepth')) throw new DecodeError(`yaml: exceeded max depth of ${MAX_BODY_NESTING}`);
      throw new DecodeError(`yaml: line ${(err.mark?.line ?? 0) + 1}: ${err.reason}`);
    }
    // js-yaml recurses over nesting it has not measured yet: a stack overflow is a body too deep.
    throw new DecodeError(`yaml: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    // V8 found the body is not JSON; Go's scanner says why in the words kube's clients see.
    throw new DecodeError(goJsonSyntaxError(body) ?? (err instanceof Error ? err.message : String(err)), true);
  }
}

/**
 * Walks a decoded value within the budgets: nesting past MAX_BODY_NESTING, or more than
 * MAX_DECODED_BODY_BYTES of JSON (counting a YAML alias each time it is used), stops the walk at
 * once, so a body is never expanded beyond them.
 */
function checkBudgets(value: unknown, fromYaml: boolean): void {
  let bytes = 0;
  const visit = (v: unknown, depth: number): void => {
    if (typeof v !== 'object' || v === null) {
      bytes += typeof v === 'string' ? v.length + 3 : 8;
    } else {
      if (depth >= MAX_BODY_NESTING) {
        if (fromYaml) throw new DecodeError(`yaml: exceeded max depth of ${MAX_BODY_NESTING}`);
        throw new DecodeError(`invalid character '${Array.isArray(v) ? '[' : '{'}' exceeded max depth`, true);
      }
      if (Array.isArray(v)) {
        bytes += 2 + v.length;
        for (const item of v) visit(item, depth + 1);
      } else {
        for (const [key, item] of Object.entries(v)) {
          bytes += key.length + 4;
          visit(item, depth + 1);
        }
      }
    }
    if (bytes > MAX_DECODED_BODY_BYTES) {
      if (fromYaml) throw new DecodeError('yaml: document contains excessive aliasing');
      throw new StatusError('KAPI_ERR_REQUEST_TOO_LARGE', `Request entity too large: limit is ${MAX_DECODED_BODY_BYTES}`);
    }
  };
  visit(value, 0);
}

function decodeValue(body: Buffer, mediaType: string, schema?: MessageSchema): unknown {
  let value: unknown;
  if (mediaType === PROTOBUF_CONTENT_TYPE) {
    try {
      // A body that is no protobuf envelope at all is a 400, whatever the kind.
      decodeEnvelope(body);
      // A kind kapi has no protobuf message for cannot be read from protobuf: 415, naming what can.
      if (!schema) throw unsupportedMediaType(['application/json', 'application/yaml']);
      value = decodeProtobufObject(body, schema);
    } catch (err) {
      if (isStatusError(err) && err.httpCode === 400) throw new DecodeError(err.message);
      throw err;
    }
  } else if (mediaType === 'application/yaml') {
    checkUtf8(body);
    value = parseYaml(body.toString('utf8'));
  } else value = parseJson(body);
  checkBudgets(value, mediaType === 'application/yaml');
  return value;
}

const toJson = (value: unknown) => Buffer.from(JSON.stringify(value));
const interpreted = (err: DecodeError) => (err.interpreting ? `couldn't get version/kind; json parse error: ${err.message}` : err.message);

/**
 * The object of a create or update, as JSON. A body that cannot be decoded is a 400 in kube's words
 * (transformDecodeError): `the object provided is unrecognized (must be of type <kind>): …`.
 */
export function decodeObjectBody(body: Buffer, mediaType: string, kind: string, schema?: MessageSchema): Buffer {
  try {
    const value = decodeValue(body, mediaType, schema);
    requireObject(value);
    return toJson(value);
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    throw badRequest(`the object provided is unrecognized (must be of type ${kind}): ${interpreted(err)} (${summarize(body)})`);
  }
}

/**
 * A patch, as JSON: 400 in the words of kube's patch handlers when it cannot be decoded (a server-side
 * apply's YAML as `error decoding YAML: …`).
 */
export function decodePatchBody(body: Buffer, patchType: string): Buffer {
  const apply = patchType === PATCH_MEDIA_TYPES[3];
  const value = (() => {
    try {
      return decodeValue(body, apply ? 'application/yaml' : 'application/json');
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      if (apply) throw badRequest(`error decoding YAML: error converting YAML to JSON: ${err.message}`);
      throw badRequest(patchType === PATCH_MEDIA_TYPES[2] ? err.message : `error decoding patch: ${err.message}`);
    }
  })();
  // Every patch type but a JSON patch is decoded into a map first.
  if (patchType !== PATCH_MEDIA_TYPES[0] && value !== null && !isPlainObject(value)) {
    const cause = `json: cannot unmarshal ${goJsonType(value)} into Go value of type map[string]interface {}`;
    if (apply) throw badRequest(`error decoding YAML: error unmarshaling JSON: while decoding JSON: ${cause}`);
    throw badRequest(patchType === PATCH_MEDIA_TYPES[2] ? cause : `error decoding patch: ${cause}`);
  }
  return toJson(value);
}

/**
 * DeleteOptions sent as a body, as JSON. kube-apiserver passes this decoder's error on as it is,
 * which its error writer answers with 500 and no reason; so does kapi.
 */
export function decodeOptionsBody(body: Buffer, mediaType: string, schema: MessageSchema): Buffer {
  try {
    const value = decodeValue(body, mediaType, schema);
    requireObject(value);
    // Any group's DeleteOptions are taken; another kind is not registered in the options' scheme.
    const { apiVersion, kind } = (value ?? {}) as { apiVersion?: unknown; kind?: unknown };
    if (typeof kind === 'string' && kind !== '' && kind !== 'DeleteOptions') {
      throw new DecodeError(`no kind "${kind}" is registered for version "${typeof apiVersion === 'string' ? apiVersion : ''}" in scheme "pkg/runtime/scheme.go:110"`);
    }
    return toJson(value);
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    throw new StatusError('KAPI_ERR_REQUEST_UNDECODABLE', interpreted(err));
  }
}
