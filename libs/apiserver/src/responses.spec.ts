import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '@kapi/api-machinery';
import type { RequestHandler } from './handler-chain.js';
import { exchange } from './handler-chain-testing.js';
import { send, sendDocument, sendInternalError, sendJson, sendStatus } from './responses.js';

const answering = (write: RequestHandler['handle']): RequestHandler[] => [{ name: 'test', handle: write }];

describe('responses', () => {
  it('send writes the whole body with its length in bytes', async () => {
    const answered = await exchange(answering(async ({ res }) => send(res, 201, 'text/plain', 'grüße')), { path: '/' });
    assert.equal(answered.status, 201);
    assert.equal(answered.headers['content-length'], String(Buffer.byteLength('grüße')));
    assert.equal(answered.body, 'grüße');
  });

  it('sendJson answers JSON', async () => {
    const answered = await exchange(answering(async ({ res }) => sendJson(res, 200, { a: 1 })), { path: '/' });
    assert.equal(answered.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(answered.body), { a: 1 });
  });

  it('sendStatus answers the Status with its code, and Retry-After when it asks for one', async () => {
    const status = new StatusError('KAPI_ERR_ROUTE_NOT_FOUND', 'gone', {}).toStatus();
    const answered = await exchange(answering(async ({ res }) => sendStatus(res, { ...status, details: { retryAfterSeconds: 3 } })), { path: '/' });
    assert.equal(answered.status, 404);
    assert.equal(answered.headers['retry-after'], '3');
    assert.equal(JSON.parse(answered.body).message, 'gone');
  });

  it('sendStatus answers a client that prefers protobuf in protobuf, as kube negotiates its errors', async () => {
    const status = new StatusError('KAPI_ERR_ROUTE_NOT_FOUND', 'gone', {}).toStatus();
    const headers = { accept: 'application/vnd.kubernetes.protobuf, */*' };
    const answered = await exchange(answering(async ({ res }) => sendStatus(res, status)), { path: '/', headers });
    assert.equal(answered.status, 404);
    assert.equal(answered.headers['content-type'], 'application/vnd.kubernetes.protobuf');
    assert.ok(answered.body.startsWith('k8s\0'));
    assert.match(answered.body, /Status[\s\S]*gone/);
  });

  it('sendDocument answers a review in protobuf to a client that prefers it, and its JSON bytes as they are to others', async () => {
    const review = Buffer.from(JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', status: { allowed: true, reason: 'ok' } }));
    const json = await exchange(answering(async ({ res }) => sendDocument(res, 201, review)), { path: '/' });
    assert.equal(json.headers['content-type'], 'application/json');
    assert.equal(json.body, review.toString());
    const headers = { accept: 'application/vnd.kubernetes.protobuf,application/json' };
    const protobuf = await exchange(answering(async ({ res }) => sendDocument(res, 201, review)), { path: '/', headers });
    assert.equal(protobuf.status, 201);
    assert.equal(protobuf.headers['content-type'], 'application/vnd.kubernetes.protobuf');
    assert.match(protobuf.body, /^k8s\0[\s\S]*SubjectAccessReview/);
  });

  it('sendInternalError answers as kube\'s responsewriters.InternalError', async () => {
    const answered = await exchange(answering(async ({ req, res }) => sendInternalError(res, req.url ?? '/', 'webhook failed')), { path: '/api/v1/pods?limit=1' });
    assert.equal(answered.status, 500);
    assert.equal(answered.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(answered.headers['x-content-type-options'], 'nosniff');
    assert.equal(answered.body, 'Internal Server Error: "/api/v1/pods?limit=1": webhook failed\n');
  });

  it('writes nothing once an answer has begun', async () => {
    const answered = await exchange(
      answering(async ({ req, res }) => {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write('first');
        send(res, 500, 'text/plain', 'second');
        sendStatus(res, new StatusError('KAPI_ERR_ROUTE_NOT_FOUND', 'x').toStatus());
        sendInternalError(res, req.url ?? '/', 'third');
        res.end();
      }),
      { path: '/' },
    );
    assert.equal(answered.status, 200);
    assert.equal(answered.body, 'first');
  });
});
