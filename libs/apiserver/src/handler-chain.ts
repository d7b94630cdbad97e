// The front door's request path as kube-apiserver builds its handler: a chain of filters (panic
// recovery, tracing, metrics, the request deadline, authentication, impersonation, the in-flight
// limit, authorization), then kube's delegation of servers (the aggregator, the core API, custom
// resources, not found). Every link is a RequestHandler: a filter does its part and hands the request
// on; a server answers what it serves and delegates everything else to the next one, as each of
// kube's servers has the next as its NotFoundHandler.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseRequestInfo, type RequestInfo } from './request-info.js';

/** Who the request acts as, as far as the machinery reads it (the in-flight limit, the groups). */
export interface RequestUser {
  username: string;
  groups: string[];
}

/** One request on its way through the chain; the filters fill in what they learn. */
export interface ApiRequest<User extends RequestUser = RequestUser> {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  /** kube's RequestInfo, read from the path as the request enters (kube's WithRequestInfo). */
  readonly info: RequestInfo;
  /** When the request must be answered (epoch ms), set by the deadline filter; undefined for a long-running one. */
  deadline?: number;
  /** Set by authentication, replaced by impersonation. */
  user?: User;
}

/** Hands the request to the rest of the chain. */
export type Next = () => Promise<void>;

/**
 * A link of the chain. A filter does its part and calls `next` (or answers, and does not); a server
 * of the delegation answers the requests it serves and calls `next` for every other one. Errors are
 * thrown (a StatusError is the answer the client sees) and answered by the panic-recovery filter.
 */
export interface RequestHandler<User extends RequestUser = RequestUser> {
  /** What kube calls the filter or server, for logs and tests. */
  readonly name: string;
  handle(request: ApiRequest<User>, next: Next): Promise<void>;
}

/** The request as it enters the chain: its URL and kube's RequestInfo read from it. */
export function apiRequest<User extends RequestUser>(req: IncomingMessage, res: ServerResponse): ApiRequest<User> {
  const url = new URL(req.url ?? '/', 'https://kapi.invalid');
  return { req, res, url, info: parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams) };
}

/** Runs the handlers in order. The last must answer: a request that falls off the end is a bug, and fails. */
export function handlerChain<User extends RequestUser>(handlers: readonly RequestHandler<User>[]): (request: ApiRequest<User>) => Promise<void> {
  const run = async (at: number, request: ApiRequest<User>): Promise<void> => {
    const handler = handlers[at];
    if (!handler) throw new Error(`no handler answered ${request.req.method} ${request.url.pathname}`);
    return handler.handle(request, () => run(at + 1, request));
  };
  return (request) => run(0, request);
}

/** The user a request acts as; only after the authentication filter has run. */
export function requestUser<User extends RequestUser>(request: ApiRequest<User>): User {
  if (!request.user) throw new Error('the request has no user: the authentication filter has not run');
  return request.user;
}
