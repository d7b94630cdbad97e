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

function abortSignalFor(call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>): AbortSignal {
  const controller = new AbortController();
  call.on('cancelled', () => controller.abort());
  return controller.signal;
}

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
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(definition)) {
    const impl = (implementation as Record<string, UnaryImpl | StreamImpl>)[name];
    if (!impl) throw new Error(`no implementation for ${method.path}`);
    if (method.responseStream) {
      handlers[name] = (call: grpc.ServerWritableStream<unknown, unknown>) => {
        const signal = abortSignalFor(call);
        void withServerSpan(method.path, call.metadata, async () => {
          // Leaving the loop (break, or a throw) returns the generator, so its cleanup runs.
          for await (const item of (impl as StreamImpl)(call.request, { metadata: call.metadata, signal })) {
            if (signal.aborted) break;
            if (!call.write(item)) {
              await drainedOrAborted(call, signal);
              if (signal.aborted) break;
            }
          }
        }).then(
          () => call.end(),
          (err) => {
            if (!signal.aborted) logger?.error('stream handler failed', { method: method.path, err });
            call.destroy(Object.assign(new Error(), toServiceError(err)) as Error);
          },
        );
      };
    } else {
      handlers[name] = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        const signal = abortSignalFor(call);
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
  stop(): Promise<void>;
}

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
    stop: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
