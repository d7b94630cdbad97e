// gRPC clients: one channel per neighbour service, balanced round-robin over all of its replicas,
// with the caller's trace context carried in the metadata and a deadline on every call.
import * as grpc from '@grpc/grpc-js';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { serviceUnavailable, StatusError } from '@kapi/api-machinery';
import { rootCause } from './failure.js';
import { metadataSetter } from './server.js';

type ClientConstructor<C> = new (address: string, credentials: grpc.ChannelCredentials, options?: Partial<grpc.ClientOptions>) => C;

/** A grpc-js target naming every replica, e.g. `ipv4:127.0.0.1:50051,127.0.0.1:50151`. */
export function targetFor(addresses: string[]): string {
  if (addresses.length === 1) return addresses[0];
  return `ipv4:${addresses.join(',')}`;
}

/**
 * A client of every replica at `addresses`, over a channel with `credentials` (a service's
 * `ServiceCredentials.channelTo(peer)`: mutual TLS, the server checked to name `peer`). The TLS name
 * the client sends is the peer's identity, since replicas' addresses vary and are not what is checked.
 */
export function createClient<C>(Ctor: ClientConstructor<C>, addresses: string[], credentials: grpc.ChannelCredentials, peer: string): C {
  if (addresses.length === 0) throw new Error('no address for the gRPC client');
  return new Ctor(targetFor(addresses), credentials, {
    'grpc.ssl_target_name_override': peer,
    'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    'grpc.max_send_message_length': 64 * 1024 * 1024,
    // A dead replica is noticed quickly and traffic moves to the live ones.
    'grpc.initial_reconnect_backoff_ms': 200,
    'grpc.max_reconnect_backoff_ms': 2000,
    'grpc.keepalive_time_ms': 10000,
  });
}

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: grpc.Metadata,
  options: Partial<grpc.CallOptions>,
  callback: (err: grpc.ServiceError | null, res: Res) => void,
) => grpc.ClientUnaryCall;

type StreamMethod<Req, Res> = (request: Req, metadata: grpc.Metadata, options?: Partial<grpc.CallOptions>) => grpc.ClientReadableStream<Res>;

const RETRYABLE = new Set([grpc.status.UNAVAILABLE]);

/**
 * Metadata on a call that retries one which may have reached a replica (UNAVAILABLE can mean the
 * replica died after it acted, before it answered): a server that records its writes answers such a
 * call with what the first attempt wrote rather than acting twice (see the registry's RequestContext).
 */
export const RETRY_METADATA_KEY = 'kapi-retry';

/** Whether a call is such a retry. */
export function isRetriedCall(metadata: grpc.Metadata): boolean {
  return metadata.get(RETRY_METADATA_KEY).length > 0;
}

/**
 * How long the retry of an UNAVAILABLE call waits for a replica to become ready: a replica that has
 * restarted is reconnected within the channel's reconnect backoff (at most 2 s, plus jitter), so a
 * restart under traffic costs a short wait rather than an error; one that stays away is still a 503.
 */
const RETRY_WAIT_MS = 3000;

/** A dependency that cannot be reached is answered with 503 and a Retry-After, never a hang. */
export function dependencyError(service: string, err: grpc.ServiceError): StatusError {
  if (err.code === grpc.status.DEADLINE_EXCEEDED) {
    return serviceUnavailable(`the ${service} service did not answer in time`, 1);
  }
  return serviceUnavailable(`the ${service} service is unavailable: ${rootCause(err.details || err.message)}`, 1);
}

/** How long a call may take when it serves no request with a deadline of its own. */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;

/**
 * A request that ran out of its time on the way (kube's finisher, when the request's context ends
 * before the handler does): 504, in kube-apiserver's words.
 */
export function requestDeadlineExceeded(): StatusError {
  return new StatusError('KAPI_ERR_REQUEST_TIMEOUT', 'Timeout: request did not complete within requested timeout - context deadline exceeded', {});
}

export interface UnaryOptions {
  /** How long the call may take (30 s unless given); ignored when `deadline` is given. */
  timeoutMs?: number;
  /**
   * When the request the call serves must be answered, in epoch milliseconds: the call's gRPC
   * deadline, so that the server sees it (CallContext.deadline) and passes it on. A call that
   * meets it fails as the request's timeout (504), not as the neighbour's failure.
   */
  deadline?: number;
  waitForReplica?: boolean;
}

/**
 * Calls a unary method within a client span. A call that fails before reaching any replica
 * (UNAVAILABLE) is retried once, since round-robin then picks another replica; unless the caller is
 * a probe that wants the state of now (`waitForReplica: false`), the retry waits briefly for one
 * to be ready, and if none is, the first failure is what the caller hears.
 */
export async function unary<Req, Res>(service: string, name: string, method: UnaryMethod<Req, Res>, request: Req, options: UnaryOptions = {}): Promise<Res> {
  const span = trace.getTracer('kapi').startSpan(`${service}/${name}`, { kind: SpanKind.CLIENT, attributes: { 'rpc.system': 'grpc' } });
  const ctx = trace.setSpan(context.active(), span);
  const call = (deadline: number, waitForReady = false, retry = false) =>
    new Promise<Res>((resolve, reject) => {
      const metadata = new grpc.Metadata({ waitForReady });
      propagation.inject(ctx, metadata, metadataSetter);
      if (retry) metadata.set(RETRY_METADATA_KEY, '1');
      method(request, metadata, { deadline: new Date(deadline) }, (err, res) => (err ? reject(err) : resolve(res)));
    });
  const end = options.deadline ?? Date.now() + (options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS);
  try {
    try {
      return await call(end);
    } catch (err) {
      const first = err as grpc.ServiceError;
      if (!RETRYABLE.has(first.code)) throw first;
      try {
        const wait = options.waitForReplica ?? true;
        return await call(wait ? Math.min(end, Date.now() + RETRY_WAIT_MS) : end, wait, true);
      } catch (err) {
        const second = err as grpc.ServiceError;
        // The retry's short wait for a replica ran out (not the request's time): the caller hears the first failure.
        const requestOutOfTime = options.deadline !== undefined && Date.now() >= end;
        throw second.code === grpc.status.DEADLINE_EXCEEDED && !requestOutOfTime ? first : second;
      }
    }
  } catch (err) {
    const e = err as grpc.ServiceError;
    span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
    if (options.deadline !== undefined && e.code === grpc.status.DEADLINE_EXCEEDED) throw requestDeadlineExceeded();
    throw dependencyError(service, e);
  } finally {
    span.end();
  }
}

/** Opens a server stream; the returned call is cancelled by `call.cancel()`. */
export function serverStream<Req, Res>(service: string, name: string, method: StreamMethod<Req, Res>, request: Req): grpc.ClientReadableStream<Res> {
  const span = trace.getTracer('kapi').startSpan(`${service}/${name}`, { kind: SpanKind.CLIENT, attributes: { 'rpc.system': 'grpc' } });
  const metadata = new grpc.Metadata();
  propagation.inject(trace.setSpan(context.active(), span), metadata, metadataSetter);
  const call = method(request, metadata);
  const end = () => span.end();
  call.once('end', end);
  call.once('error', end);
  return call;
}

export function isGrpcError(err: unknown): err is grpc.ServiceError {
  return typeof err === 'object' && err !== null && 'code' in err && 'details' in err;
}

export { grpc };
