// gRPC servers for kapi's services. Implementations are plain async functions (or async generators
// for server streams); this file turns them into grpc-js handlers that continue the caller's trace
// and turn a thrown error into a gRPC status instead of a crash.
import * as grpc from '@grpc/grpc-js';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Logger } from '@kapi/telemetry';
import { CALLERS, callRefusal, type CallerTable } from './callers.js';
import { identityOf, type ServiceCredentials } from './identity.js';

type MethodDefinition = {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
};

type ServiceDefinition = Record<string, MethodDefinition>;

export interface CallContext {
  metadata: grpc.Metadata;
  /** Aborted when the client cancels or the deadline passes. */
  signal: AbortSignal;
  /**
   * The call's deadline in epoch milliseconds, as the caller set it (a front door sets the request's
   * own on the calls that serve it); undefined when it set none. Calls made on the call's behalf
   * carry it on (`unary`'s `deadline`), as a Go context carries its deadline.
   */
  deadline?: number;
}

/** grpc-js's deadline of a server call, in epoch milliseconds; undefined for none (Infinity). */
function deadlineOf(call: { getDeadline(): grpc.Deadline }): number | undefined {
  const deadline = call.getDeadline();
  const ms = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(ms) ? ms : undefined;
}

type UnaryImpl = (request: any, ctx: CallContext) => Promise<unknown>;
type StreamImpl = (request: any, ctx: CallContext) => AsyncIterable<unknown>;

export type ServiceImplementation<D extends ServiceDefinition> = {
  [M in keyof D]: D[M]['responseStream'] extends true ? StreamImpl : UnaryImpl;
};

const metadataGetter = {
  keys: (md: grpc.Metadata) => Object.keys(md.getMap()),
  get: (md: grpc.Metadata, key: string) => {
    const values = md.get(key);
    return values.length ? values.map(String) : undefined;
  },
};

export const metadataSetter = {
  set: (md: grpc.Metadata, key: string, value: string) => md.set(key, value),
};

function toServiceError(err: unknown): Partial<grpc.StatusObject> {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof (err as { code: unknown }).code === 'number') {
    return err as grpc.StatusObject;
  }
  return { code: grpc.status.INTERNAL, details: err instanceof Error ? err.message : String(err) };
}

function withServerSpan<T>(path: string, metadata: grpc.Metadata, fn: () => Promise<T>): Promise<T> {
  const parent = propagation.extract(context.active(), metadata, metadataGetter);
  const span = trace.getTracer('kapi').startSpan(path.replace(/^\//, ''), { kind: SpanKind.SERVER, attributes: { 'rpc.system': 'grpc' } }, parent);
  return context.with(trace.setSpan(parent, span), async () => {
    try {
      return await fn();
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}

function abortControllerFor(call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>): AbortController {
  const controller = new AbortController();
  call.on('cancelled', () => controller.abort());
  return controller;
}

/** A server stream in progress, which a server shutting down ends. */
interface OpenStream {
  endForShutdown(): void;
}

/** Where the handlers of one service keep their open server streams, for the server that runs them. */
const OPEN_STREAMS = Symbol('kapi.open-streams');
type TrackedHandlers = grpc.UntypedServiceImplementation & { [OPEN_STREAMS]?: Set<OpenStream> };

const SHUTTING_DOWN = { code: grpc.status.UNAVAILABLE, details: 'the server is shutting down' };

/**
 * Waits until the stream takes more, or the call ends: a cancelled call never drains, and a
 * handler that waited only for 'drain' would hold its generator (a watch, a snapshot) forever.
 */
function drainedOrAborted(call: grpc.ServerWritableStream<unknown, unknown>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    call.once('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

export function toGrpcHandlers<D extends ServiceDefinition>(
  definition: D,
  implementation: ServiceImplementation<D>,
  logger?: Logger,
): grpc.UntypedServiceImplementation {
  const handlers: TrackedHandlers = {};
  const openStreams = new Set<OpenStream>();
  handlers[OPEN_STREAMS] = openStreams;
  for (const [name, method] of Object.entries(definition)) {
    const impl = (implementation as Record<string, UnaryImpl | StreamImpl>)[name];
    if (!impl) throw new Error(`no implementation for ${method.path}`);
    if (method.responseStream) {
      handlers[name] = (call: grpc.ServerWritableStream<unknown, unknown>) => {
        const controller = abortControllerFor(call);
        const signal = controller.signal;
        // A server stream is long-running (a watch): a server shutting down ends it with
        // UNAVAILABLE at once, so the client resumes on another replica instead of waiting.
        let endedForShutdown = false;
        const open: OpenStream = {
          endForShutdown: () => {
            endedForShutdown = true;
            controller.abort();
            // grpc-js sends an 'error' event's code and details as the stream's status.
            call.emit('error', Object.assign(new Error(SHUTTING_DOWN.details), SHUTTING_DOWN));
          },
        };
        openStreams.add(open);
        void withServerSpan(method.path, call.metadata, async () => {
          // Leaving the loop (break, or a throw) returns the generator, so its cleanup runs.
          for await (const item of (impl as StreamImpl)(call.request, { metadata: call.metadata, signal })) {
            if (signal.aborted) break;
            if (!call.write(item)) {
              await drainedOrAborted(call, signal);
              if (signal.aborted) break;
            }
          }
        })
          .then(
            () => {
              if (!endedForShutdown) call.end();
            },
            (err) => {
              if (endedForShutdown) return;
              if (!signal.aborted) logger?.error('stream handler failed', { method: method.path, err });
              call.emit('error', Object.assign(new Error(), toServiceError(err)));
            },
          )
          .finally(() => openStreams.delete(open));
      };
    } else {
      handlers[name] = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        const signal = abortControllerFor(call).signal;
        const deadline = deadlineOf(call);
        withServerSpan(method.path, call.metadata, () => (impl as UnaryImpl)(call.request, { metadata: call.metadata, signal, ...(deadline === undefined ? {} : { deadline }) })).then(
          (res) => callback(null, res),
          (err) => {
            logger?.error('handler failed', { method: method.path, err });
            callback(toServiceError(err));
          },
        );
      };
    }
  }
  return handlers;
}

export interface GrpcServerHandle {
  server: grpc.Server;
  port: number;
  /**
   * Shuts down gracefully: stops accepting calls (clients are told with a GOAWAY and go to another
   * replica; a call refused that way is retried there by grpc-js), ends every open server stream
   * with UNAVAILABLE (a watch resumes elsewhere), lets every unary call in flight finish, and
   * cancels what still runs after `graceMs`.
   */
  stop(graceMs?: number): Promise<void>;
}

/** How long in-flight calls may take to finish on shutdown: a kubelet's default termination grace period. */
export const SHUTDOWN_GRACE_MS = 30_000;

export interface GrpcServerOptions {
  /** This process's identity: the server's certificate, and the CA its callers' certificates must chain to. */
  credentials: ServiceCredentials;
  /** Who may call what; kapi's own table unless a test declares another. */
  callers?: CallerTable;
  /** Where refused calls are reported. */
  logger?: Logger;
}

/**
 * Identities by certificate fingerprint: parsing a certificate costs more than a small call, and a
 * caller presents the same one on every call of its long-lived connections. The chain was verified
 * by the TLS handshake; the fingerprint is the SHA-256 of exactly those bytes.
 */
const identitiesByFingerprint = new Map<string, string | undefined>();
const IDENTITY_CACHE_SIZE = 256;

/** The identity the caller's verified client certificate names, if any. */
export function callerIdentity(authContext: { sslPeerCertificate?: { raw?: Buffer; fingerprint256?: string } } | null | undefined): string | undefined {
  const peer = authContext?.sslPeerCertificate;
  if (!peer?.raw) return undefined;
  const fingerprint = peer.fingerprint256;
  if (fingerprint && identitiesByFingerprint.has(fingerprint)) return identitiesByFingerprint.get(fingerprint);
  const identity = identityOf(peer.raw);
  if (fingerprint) {
    if (identitiesByFingerprint.size >= IDENTITY_CACHE_SIZE) identitiesByFingerprint.clear();
    identitiesByFingerprint.set(fingerprint, identity);
  }
  return identity;
}

/**
 * Refuses, with PERMISSION_DENIED naming the identity and the method, a call whose caller the table
 * does not admit, before its metadata or message reach the handler; the refusal is logged.
 */
function callerCheck(callers: CallerTable, logger: Logger | undefined): grpc.ServerInterceptor {
  return (method, call) => {
    let refused = false;
    return new grpc.ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, pass) => {
            const identity = callerIdentity(call.getAuthContext());
            const reason = callRefusal(identity, method.path, callers);
            if (!reason) return pass(metadata);
            refused = true;
            logger?.warn('refused a gRPC call', { method: method.path, identity, peer: call.getPeer(), reason });
            call.sendStatus({ code: grpc.status.PERMISSION_DENIED, details: reason, metadata: new grpc.Metadata() });
          },
          onReceiveMessage: (message, pass) => {
            if (!refused) pass(message);
          },
          onReceiveHalfClose: (pass) => {
            if (!refused) pass();
          },
        }),
    });
  };
}

/**
 * Serves `services` over mutual TLS: a client without a certificate from the services CA fails the
 * handshake, and one the caller table does not admit for a method is refused that method.
 */
export async function startGrpcServer(
  address: string,
  services: { definition: ServiceDefinition; handlers: grpc.UntypedServiceImplementation }[],
  options: GrpcServerOptions,
): Promise<GrpcServerHandle> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    'grpc.max_send_message_length': 64 * 1024 * 1024,
    interceptors: [callerCheck(options.callers ?? CALLERS, options.logger)],
  });
  for (const s of services) server.addService(s.definition as unknown as grpc.ServiceDefinition, s.handlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, options.credentials.server(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    server,
    port,
    stop: (graceMs = SHUTDOWN_GRACE_MS) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
        for (const { handlers } of services) {
          for (const open of [...((handlers as TrackedHandlers)[OPEN_STREAMS] ?? [])]) open.endForShutdown();
        }
      }),
  };
}
