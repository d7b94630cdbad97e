// kube's WithPanicRecovery, and the answer to every error a link of the chain throws: kapi's
// filters and servers throw (a StatusError is the answer), so one place turns what they throw into
// what the client sees, and nothing a client sends can leave a request unanswered.
import { isStatusError, toStatus } from '@kapi/api-machinery';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { Logger } from '@kapi/telemetry';
import type { RequestHandler } from './handler-chain.js';
import { InternalError, sendInternalError, sendStatus } from './responses.js';

export function panicRecovery(logger: Pick<Logger, 'error'>): RequestHandler {
  return {
    name: 'panic recovery',
    async handle({ req, res, url }, next) {
      try {
        await next();
      } catch (err) {
        // A StatusError is an answer, not a failure of kapi's: only the others are worth a log line.
        if (!isStatusError(err)) logger.error('request failed', { err, path: url.pathname });
        trace.getActiveSpan()?.setStatus({ code: SpanStatusCode.ERROR });
        if (res.headersSent) res.end();
        else if (err instanceof InternalError) sendInternalError(res, req.url ?? '/', err.message);
        else sendStatus(res, toStatus(err));
      }
    },
  };
}
