// The end of kube's delegation: a path no server serves is answered with kube's NotFound Status.
import { StatusError } from '@kapi/api-machinery';
import type { RequestHandler } from './handler-chain.js';

/** kube's 404 for a path or resource the server does not serve. */
export const routeNotFound = () => new StatusError('KAPI_ERR_ROUTE_NOT_FOUND', 'the server could not find the requested resource', {});

export const notFoundHandler: RequestHandler = {
  name: 'not found',
  handle: () => Promise.reject(routeNotFound()),
};
