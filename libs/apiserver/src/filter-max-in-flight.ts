// kube's WithMaxInFlightLimit at its place in the chain, after authentication and impersonation
// (the limit spares system:masters) and before authorization: a request past its kind's limit is
// answered 429 at once; an admitted one holds its slot until it is answered.
import type { RequestHandler } from './handler-chain.js';
import { requestUser } from './handler-chain.js';
import { writeTooManyRequests, type MaxInFlightLimiter } from './max-in-flight.js';

export function maxInFlightFilter(limiter: MaxInFlightLimiter): RequestHandler {
  return {
    name: 'max in flight',
    async handle(request, next) {
      const slot = limiter.admit(request.info, requestUser(request).groups);
      if (!slot) return writeTooManyRequests(request.res);
      try {
        await next();
      } finally {
        slot.release();
      }
    },
  };
}
