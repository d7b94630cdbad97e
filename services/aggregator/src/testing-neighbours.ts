// For the aggregator's specs: the gRPC clients of the front door's neighbours, faked method by
// method. Each unary method answers with what the test gives it (a reply, or a function of the
// request) and records the requests it was called with.
import { EventEmitter } from 'node:events';
import type { authnV1, authzV1, registryV1, watchcacheV1 } from '@kapi/proto';

type Answer<Req, Res> = Res | ((request: Req) => Res);

export interface FakeMethod<Req> {
  calls: Req[];
  /** The gRPC deadline of each call. */
  deadlines: Date[];
}

/** A unary gRPC method (request, metadata, options, callback) answering `answer`. */
export function fakeUnary<Req, Res>(answer: Answer<Req, Res>): ((request: Req, _m: unknown, options: { deadline: Date }, callback: (err: Error | null, res?: Res) => void) => void) & FakeMethod<Req> {
  const calls: Req[] = [];
  const deadlines: Date[] = [];
  const method = (request: Req, _m: unknown, options: { deadline: Date }, callback: (err: Error | null, res?: Res) => void) => {
    calls.push(request);
    deadlines.push(options.deadline);
    try {
      callback(null, typeof answer === 'function' ? (answer as (r: Req) => Res)(request) : answer);
    } catch (err) {
      callback(err as Error);
    }
  };
  return Object.assign(method, { calls, deadlines });
}

export const aliceUser = { username: 'alice', uid: 'u-1', groups: ['devs', 'system:authenticated'], extra: {} };

export const authnAnswering = (reply: Partial<authnV1.AuthenticateReply>) => {
  const authenticate = fakeUnary<authnV1.AuthenticateRequest, authnV1.AuthenticateReply>({ authenticated: false, user: undefined, error: '', audiences: [], ...reply });
  return { client: { authenticate } as unknown as authnV1.AuthenticationClient, authenticate };
};

export const authzAnswering = (answer: Answer<authzV1.Attributes, Partial<authzV1.AuthorizeReply>>) => {
  const authorize = fakeUnary<authzV1.Attributes, authzV1.AuthorizeReply>((request) => ({
    decision: 0,
    reason: '',
    evaluationError: '',
    ...(typeof answer === 'function' ? answer(request) : answer),
  }));
  return { client: { authorize } as unknown as authzV1.AuthorizationClient, authorize };
};

/** A registry whose every method answers `reply` (an object's JSON), recording its calls by method. */
export function registryAnswering(object: unknown, extra: Partial<registryV1.ObjectReply> = {}) {
  const reply = (): registryV1.ObjectReply => ({ object: Buffer.from(JSON.stringify(object)), status: Buffer.alloc(0), warnings: [], created: false, ...extra });
  const methods = {
    get: fakeUnary<registryV1.GetRequest, registryV1.ObjectReply>(reply),
    list: fakeUnary<registryV1.ListRequest, registryV1.ObjectReply>(reply),
    create: fakeUnary<registryV1.CreateRequest, registryV1.ObjectReply>(reply),
    update: fakeUnary<registryV1.UpdateRequest, registryV1.ObjectReply>(reply),
    patch: fakeUnary<registryV1.PatchRequest, registryV1.ObjectReply>(reply),
    delete: fakeUnary<registryV1.DeleteRequest, registryV1.ObjectReply>(reply),
    deleteCollection: fakeUnary<registryV1.DeleteCollectionRequest, registryV1.ObjectReply>(reply),
  };
  return { client: methods as unknown as registryV1.RegistryClient, ...methods };
}

export function watchCacheListing(reply: Partial<watchcacheV1.ListReply>) {
  const list = fakeUnary<watchcacheV1.ListRequest, watchcacheV1.ListReply>({ list: Buffer.alloc(0), status: Buffer.alloc(0), notInCache: false, notReady: false, ...reply });
  return { client: { list } as unknown as watchcacheV1.WatchCacheClient, list };
}

/** A watch-cache Watch stream, driven by the test: what the front door reads. */
export class FakeWatchCall extends EventEmitter {
  cancelled = false;
  cancel() {
    this.cancelled = true;
  }
  pause() {}
  resume() {}
  send(type: string, resourceVersion: string, object: object = { metadata: { resourceVersion } }) {
    this.emit('data', { type, object: Buffer.from(JSON.stringify(object)), resourceVersion });
  }
  fail(code = 14, message = 'connection dropped') {
    this.emit('error', Object.assign(new Error(message), { code }));
  }
}
