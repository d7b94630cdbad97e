// Writing an answer: a whole body with its length, or a metav1.Status; and kube's plain-text
// InternalError, which its filters answer when a dependency could not decide (an authorizer whose
// webhook failed).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { encodeProtobufDocument, PROTOBUF_CONTENT_TYPE, type Status } from '@kapi/api-machinery';
import { prefersProtobuf } from './negotiation.js';

/** Answers with a whole body, unless an answer has begun already. */
export function send(res: ServerResponse, code: number, contentType: string, body: string | Buffer): void {
  if (res.headersSent) return;
  // A Buffer, so that Node writes the head's bytes as they are (a Warning's UTF-8), not re-encoded as the body's string.
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': bytes.length });
  res.end(bytes);
}

export function sendJson(res: ServerResponse, code: number, doc: unknown): void {
  send(res, code, 'application/json', JSON.stringify(doc));
}

/**
 * Answers with a metav1.Status, its code the HTTP status, and Retry-After when the Status asks for
 * one; in protobuf to a client that prefers it, as kube negotiates its errors.
 */
export function sendStatus(res: ServerResponse, status: Status): void {
  if (res.headersSent) return;
  if (status.details?.retryAfterSeconds) res.setHeader('Retry-After', String(status.details.retryAfterSeconds));
  sendDocument(res, status.code, { ...status });
}

/**
 * Answers with a document that is not negotiated further (a Status, a review): in protobuf to a
 * client that prefers it when its kind has a message, else as JSON (given as an object or as its
 * JSON bytes, sent as they are).
 */
export function sendDocument(res: ServerResponse, code: number, doc: Record<string, unknown> | Buffer): void {
  if (prefersProtobuf((res.req as IncomingMessage | undefined)?.headers.accept)) {
    const protobuf = encodeProtobufDocument(Buffer.isBuffer(doc) ? (JSON.parse(doc.toString('utf8')) as Record<string, unknown>) : doc);
    if (protobuf) return send(res, code, PROTOBUF_CONTENT_TYPE, protobuf);
  }
  send(res, code, 'application/json', Buffer.isBuffer(doc) ? doc : JSON.stringify(doc));
}

/** A failure kube answers with its responsewriters.InternalError: 500, in plain text, not a Status. */
export class InternalError extends Error {}

/** kube's InternalError: `Internal Server Error: "<request URI>": <reason>`. */
export function sendInternalError(res: ServerResponse, requestUri: string, reason: string): void {
  if (res.headersSent) return;
  res.setHeader('X-Content-Type-Options', 'nosniff');
  send(res, 500, 'text/plain; charset=utf-8', `Internal Server Error: ${JSON.stringify(requestUri)}: ${reason}\n`);
}
