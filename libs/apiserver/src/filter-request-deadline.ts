// kube's WithRequestDeadline, before authentication: the request's time, from its `?timeout=` (a
// malformed one is a 400), recorded on the request for the calls that serve it; a request still
// unanswered when its time is up is answered 504, as kube's timeout filter answers it.
import { StatusError } from '@kapi/api-machinery';
import type { RequestHandler } from './handler-chain.js';
import { requestDeadline } from './request-deadline.js';
import { sendStatus } from './responses.js';

export function requestDeadlineFilter(now: () => number = Date.now): RequestHandler {
  return {
    name: 'request deadline',
    async handle(request, next) {
      const { res } = request;
      request.deadline = requestDeadline(request.info, request.url.searchParams, now());
      if (request.deadline === undefined) return next();
      const timer = setTimeout(() => {
        if (!res.headersSent) sendStatus(res, new StatusError('KAPI_ERR_REQUEST_TIMEOUT', 'Timeout: request did not complete within the allotted timeout').toStatus());
      }, request.deadline - now());
      try {
        await next();
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
