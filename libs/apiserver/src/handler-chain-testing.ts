// For the tests of chain links, here and in the services: one real HTTP exchange on loopback through
// a chain of handlers, with what the client got back and what the chain threw.
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiRequest, handlerChain, type ApiRequest, type RequestHandler, type RequestUser } from './handler-chain.js';

export interface ExchangeRequest<User extends RequestUser> {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Fills in what earlier filters would have (the user, the deadline) before the chain runs. */
  prepare?: (request: ApiRequest<User>) => void;
}

export interface Exchange<User extends RequestUser> {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The request as the chain left it. */
  request: ApiRequest<User>;
  /** What the chain threw (or that it returned without answering); the exchange then answers 599. */
  error?: unknown;
}

/** Terminal link for tests: answers 200 with the given text. */
export function answerWith(body: string, code = 200): RequestHandler {
  return {
    name: 'answer',
    handle: ({ res }) => {
      res.writeHead(code, { 'Content-Type': 'text/plain' }).end(body);
      return Promise.resolve();
    },
  };
}

/** Sends one request through `handlers` and resolves when the client has read the answer. */
export async function exchange<User extends RequestUser = RequestUser>(handlers: readonly RequestHandler<User>[], sent: ExchangeRequest<User>): Promise<Exchange<User>> {
  const chain = handlerChain(handlers);
  let request: ApiRequest<User> | undefined;
  let error: unknown;
  const server = createServer((req, res) => {
    request = apiRequest<User>(req, res);
    sent.prepare?.(request);
    const fail = (err: unknown) => {
      error = err;
      if (!res.headersSent) res.writeHead(599).end();
      else res.end();
    };
    chain(request).then(() => {
      // A chain that returns without answering would leave the client waiting: a failure too.
      if (!res.writableEnded) fail(new Error('the chain returned without answering'));
    }, fail);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const answer = await new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: sent.method ?? 'GET', path: sent.path, headers: sent.headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(sent.body);
    });
    return { ...answer, request: request!, error };
  } finally {
    server.closeAllConnections();
    server.close();
  }
}
