import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { StatusError, type MessageSchema } from '@kapi/api-machinery';
import {
  decodeObjectBody,
  decodeOptionsBody,
  decodePatchBody,
  inputMediaType,
  MAX_REQUEST_BODY_BYTES,
  patchMediaType,
  readBody,
} from './request-body.js';

const status = (code: number, reason: string, message?: string | RegExp) => (err: unknown) => {
  assert.ok(err instanceof StatusError, String(err));
  assert.equal(err.httpCode, code);
  assert.equal(err.reason, reason);
  if (typeof message === 'string') assert.equal(err.message, message);
  else if (message) assert.match(err.message, message);
  return true;
};
const UNKNOWN_FORMAT = 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf';

describe('inputMediaType (kube\'s NegotiateInputSerializer)', () => {
  it('defaults to JSON and reads the media types kube decodes, parameters and case aside', () => {
    assert.equal(inputMediaType(undefined), 'application/json');
    assert.equal(inputMediaType(''), 'application/json');
    assert.equal(inputMediaType('Application/YAML; charset=utf-8'), 'application/yaml');
    assert.equal(inputMediaType('application/vnd.kubernetes.protobuf'), 'application/vnd.kubernetes.protobuf');
  });

  it('answers any other type, or a malformed one, with kube\'s 415', () => {
    for (const type of ['application/xml', 'text/plain', 'application/json-patch+json', 'application/json; charset', 'application', 'a/b/c']) {
      assert.throws(() => inputMediaType(type), status(415, 'UnsupportedMediaType', UNKNOWN_FORMAT), type);
    }
  });
});

describe('patchMediaType (go-restful\'s route, then the patch handler)', () => {
  it('takes the patch type up to its parameters', () => {
    assert.equal(patchMediaType('application/merge-patch+json; charset=utf-8'), 'application/merge-patch+json');
    assert.equal(patchMediaType('application/apply-patch+yaml'), 'application/apply-patch+yaml');
  });

  it('answers a type that names no patch type, or none at all, as go-restful does', () => {
    for (const type of [undefined, '', 'application/xml', 'application/json', 'Application/Merge-Patch+JSON']) {
      assert.throws(() => patchMediaType(type), (err) => status(415, 'UnsupportedMediaType', '415: Unsupported Media Type')(err) && JSON.stringify((err as StatusError).toStatus().details) === '{}', String(type));
    }
  });
});

const request = (chunks: Buffer[], headers: Record<string, string> = {}) => Object.assign(Readable.from(chunks), { headers }) as unknown as IncomingMessage;

describe('readBody', () => {
  it('reads a body up to the limit', async () => {
    assert.deepEqual(await readBody(request([Buffer.from('ab'), Buffer.from('c')])), Buffer.from('abc'));
    assert.equal((await readBody(request([Buffer.alloc(MAX_REQUEST_BODY_BYTES)]))).length, MAX_REQUEST_BODY_BYTES);
  });

  it('answers a body past 3 MiB with kube\'s 413, declared or not', async () => {
    const tooLarge = status(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
    await assert.rejects(readBody(request([Buffer.alloc(MAX_REQUEST_BODY_BYTES), Buffer.alloc(1)])), tooLarge);
    await assert.rejects(readBody(request([], { 'content-length': String(MAX_REQUEST_BODY_BYTES + 1) })), tooLarge);
  });
});

describe('decodeObjectBody', () => {
  const json = (body: string | Buffer, type = 'application/json') => JSON.parse(decodeObjectBody(Buffer.from(body), type, 'ConfigMap').toString('utf8')) as unknown;

  it('decodes JSON and YAML to JSON', () => {
    assert.deepEqual(json('{"a":[1,"x",null]}'), { a: [1, 'x', null] });
    assert.deepEqual(json('a:\n  - 1\n  - x\nb: on\n', 'application/yaml'), { a: [1, 'x'], b: 'on' });
  });

  it('answers malformed JSON with kube\'s words, quoting the start of the body', () => {
    assert.throws(
      () => json('{"apiVersion":"v1","kind":"ConfigMap",'),
      status(400, 'BadRequest', 'the object provided is unrecognized (must be of type ConfigMap): couldn\'t get version/kind; json parse error: unexpected end of JSON input ({"apiVersion":"v1","kind":"Con ...)'),
    );
    assert.throws(
      () => json('nope'),
      status(400, 'BadRequest', "the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; json parse error: invalid character 'o' in literal null (expecting 'u') (6e6f7065)"),
    );
  });

  it('reads a repeated YAML key as goyaml does: the last value wins (fieldValidation reports it)', () => {
    assert.deepEqual(json('data:\n  a: "1"\n  a: "2"\n', 'application/yaml'), { data: { a: '2' } });
  });

  it('answers malformed YAML with goyaml\'s line number', () => {
    assert.throws(() => json('a: [\n', 'application/yaml'), status(400, 'BadRequest', /^the object provided is unrecognized \(must be of type ConfigMap\): yaml: line \d+: .* \(613a205b0a\)$/));
  });

  it('reads invalid UTF-8 as Go does, as U+FFFD', () => {
    assert.deepEqual(json(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])), { a: '\ufffd' });
  });

  it('refuses nesting past 100 levels, from JSON and from YAML', () => {
    const deep = (n: number) => '{"a":' + '['.repeat(n) + ']'.repeat(n) + '}';
    assert.doesNotThrow(() => json(deep(99)));
    assert.throws(() => json(deep(100)), status(400, 'BadRequest', /json parse error: invalid character '\[' exceeded max depth/));
    assert.throws(() => json('[' .repeat(200000) + ']'.repeat(200000), 'application/yaml'), status(400, 'BadRequest'));
  });

  it('refuses a YAML alias bomb before expanding it, as goyaml refuses excessive aliasing', () => {
    let yaml = 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    for (let i = 1; i < 12; i++) yaml += `a${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(',')}]\n`;
    assert.throws(() => json(yaml, 'application/yaml'), status(400, 'BadRequest', /: yaml: document contains excessive aliasing \(/));
  });

  it('answers protobuf without the magic prefix in kube\'s words, and 415 for a kind without a message', () => {
    const schema: MessageSchema = { fields: {} };
    assert.throws(
      () => decodeObjectBody(Buffer.from('nokprefix'), 'application/vnd.kubernetes.protobuf', 'ConfigMap', schema),
      status(400, 'BadRequest', 'the object provided is unrecognized (must be of type ConfigMap): provided data does not appear to be a protobuf message, expected prefix [107 56 115 0] (6e6f6b707265666978)'),
    );
    assert.throws(() => decodeObjectBody(Buffer.from('k8s\0\x0a\x00', 'latin1'), 'application/vnd.kubernetes.protobuf', 'Widget'), status(415, 'UnsupportedMediaType'));
    assert.throws(() => decodeObjectBody(Buffer.from('k8s\0'), 'application/vnd.kubernetes.protobuf', 'Widget'), status(400, 'BadRequest', /: empty body \(/));
  });

  it('decodes a list of 10,000 items', () => {
    const items = Array.from({ length: 10_000 }, (_, i) => ({ name: `n${i}` }));
    assert.equal((json(JSON.stringify({ items })) as { items: unknown[] }).items.length, 10_000);
  });
});

describe('decodePatchBody and decodeOptionsBody', () => {
  it('answers a malformed patch in the words of kube\'s patch handlers', () => {
    const bad = Buffer.from('{"a":');
    assert.throws(() => decodePatchBody(bad, 'application/merge-patch+json'), status(400, 'BadRequest', 'error decoding patch: unexpected end of JSON input'));
    assert.throws(() => decodePatchBody(bad, 'application/json-patch+json'), status(400, 'BadRequest', 'error decoding patch: unexpected end of JSON input'));
    assert.throws(() => decodePatchBody(bad, 'application/strategic-merge-patch+json'), status(400, 'BadRequest', 'unexpected end of JSON input'));
    assert.throws(() => decodePatchBody(Buffer.from('a: [\n'), 'application/merge-patch+json'), status(400, 'BadRequest', "error decoding patch: invalid character 'a' looking for beginning of value"));
    assert.throws(() => decodePatchBody(Buffer.from('[1]'), 'application/merge-patch+json'), status(400, 'BadRequest', 'error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}'));
    assert.throws(() => decodePatchBody(Buffer.from('a: [\n'), 'application/apply-patch+yaml'), status(400, 'BadRequest', /^error decoding YAML: error converting YAML to JSON: yaml: line \d+: /));
  });

  it('answers DeleteOptions that cannot be decoded with 500 and no reason, as kube passes the error on', () => {
    const schema: MessageSchema = { fields: {} };
    assert.throws(() => decodeOptionsBody(Buffer.from('{"a":'), 'application/json', schema), status(500, '', 'couldn\'t get version/kind; json parse error: unexpected end of JSON input'));
  });
});
