// gRPC servers for kapi's services. Implementations are plain async functions (or async generators
// for server streams); this file turns them into grpc-js handlers that continue the caller's trace
// and turn a thrown error into a gRPC status instead of a crash.
import * as grpc from '@grpc/grpc-js';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Logger } from '@kapi/telemetry';

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
          for await (const item of (impl as StreamImpl)(call.request, { metadata: call.metadata, signal })) {
            if (signal.aborted) break;
            if (!call.write(item)) await new Promise((resolve) => call.once('drain', resolve));
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
        withServerSpan(method.path, call.metadata, () => (impl as UnaryImpl)(call.request, { metadata: call.metadata, signal })).then(
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

export async function startGrpcServer(
  address: string,
  services: { definition: ServiceDefinition; handlers: grpc.UntypedServiceImplementation }[],
): Promise<GrpcServerHandle> {
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024, 'grpc.max_send_message_length': 64 * 1024 * 1024 });
  for (const s of services) server.addService(s.definition as unknown as grpc.ServiceDefinition, s.handlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
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
