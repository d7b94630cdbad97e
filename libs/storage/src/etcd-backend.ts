// StorageBackend on etcd v3. Every write is one transaction guarded by the key's mod revision, which
// is also the object's resourceVersion.
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Etcd3, type IOptions } from 'etcd3';
import { rootCause } from '@kapi/grpc';
import { StorageError, type ListOptions, type ListPage, type RecordedWrite, type RequestRecord, type StorageBackend, type StoredValue } from './backend.js';

interface RawKeyValue {
  key: Buffer;
  value: Buffer;
  create_revision: string;
  mod_revision: string;
}

function toStored(kv: RawKeyValue): StoredValue {
  return {
    key: kv.key.toString('utf8'),
    value: kv.value,
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
  };
}

/** The key just after every key that starts with `prefix`. */
export function prefixEnd(prefix: string): Buffer {
  const buf = Buffer.from(prefix);
  for (let i = buf.length - 1; i >= 0; i--) {
    if (buf[i] < 0xff) {
      const end = Buffer.from(buf.subarray(0, i + 1));
      end[i]++;
      return end;
    }
  }
  return Buffer.from([0]);
}

// etcd3 opens a circuit breaker after repeated connection failures; that is etcd being away too.
const UNAVAILABLE_PATTERNS = [/unavailable/i, /connect/i, /deadline/i, /timed out/i, /no connection/i, /ECONNREFUSED/, /circuit breaker/i];

/** What a TLS connection to etcd needs beyond https:// endpoints: a CA of its own, a client certificate. */
export interface EtcdTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** Reads the etcd TLS files a service was given, failing in one line that names the file. */
export function readEtcdTls(files: { caFile?: string; certFile?: string; keyFile?: string }): EtcdTls | undefined {
  const read = (what: string, file: string | undefined) => {
    if (!file) return undefined;
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`cannot read the etcd ${what} ${file}: ${(err as Error).message}`);
    }
  };
  const tls = { ca: read('CA file', files.caFile), cert: read('certificate file', files.certFile), key: read('key file', files.keyFile) };
  return tls.ca || tls.cert ? tls : undefined;
}

const ETCD_KEEPALIVE = { 'grpc.keepalive_time_ms': 30_000, 'grpc.keepalive_timeout_ms': 10_000 } as const;

/** etcd3's connection options: https:// endpoints use TLS, verified against `tls.ca` or the system's roots. */
function connectionOptions(endpoints: string[], tls: EtcdTls | undefined): IOptions {
  // Keepalive as kube-apiserver's etcd client (30 s, 10 s to answer): a member that vanishes
  // without closing its connections (a node gone, a partition) is noticed, and its watches and
  // calls move to another, instead of waiting on a dead connection forever.
  const options: IOptions = { hosts: endpoints, dialTimeout: 2000, grpcOptions: ETCD_KEEPALIVE };
  if (tls?.ca || tls?.cert) {
    // etcd3 wants a root certificate whenever it is given credentials; Node's own roots stand in for "the system's".
    options.credentials = { rootCertificate: tls.ca ?? Buffer.from(rootCertificates.join('\n')), certChain: tls.cert, privateKey: tls.key };
  }
  return options;
}

/**
 * Request records live outside /registry/, so they are never published, snapshotted or listed as
 * objects, under a lease that ends them after REQUEST_RECORD_TTL_SECONDS: long enough for any retry
 * of the request (seconds), short enough to stay a handful of keys. One lease serves the records of
 * REQUEST_LEASE_REUSE_MS, so a write costs no lease call of its own; each record lives 9 to 10 minutes.
 */
export const REQUEST_RECORD_PREFIX = '/kapi/requests/';
const REQUEST_RECORD_TTL_SECONDS = 600;
const REQUEST_LEASE_REUSE_MS = 60_000;

export interface EtcdBackendOptions {
  endpoints: string[];
  tls?: EtcdTls;
  /** Per-call deadline; a call that takes longer fails as Unavailable rather than hanging. */
  callTimeoutMs?: number;
}

export class EtcdBackend implements StorageBackend {
  readonly client: Etcd3;
  private readonly timeoutMs: number;
  private recordLease?: { id: Promise<string>; grantedAt: number };

  constructor(options: EtcdBackendOptions) {
    // Large lists come back in one response: gRPC's default 4 MiB limit would refuse them.
    const etcdOptions: IOptions = {
      ...connectionOptions(options.endpoints, options.tls),
      grpcOptions: { ...ETCD_KEEPALIVE, 'grpc.max_receive_message_length': 512 * 1024 * 1024 },
    };
    this.client = new Etcd3(etcdOptions);
    this.timeoutMs = options.callTimeoutMs ?? 5000;
  }

  private async call<T>(what: string, fn: (deadline: Date) => Promise<T>): Promise<T> {
    const span = trace.getTracer('kapi').startSpan(`etcd ${what}`, { kind: SpanKind.CLIENT, attributes: { 'db.system': 'etcd' } });
    const deadline = new Date(Date.now() + this.timeoutMs);
    try {
      return await fn(deadline);
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      if (err instanceof StorageError) throw err;
      const message = err instanceof Error ? err.message : String(err);
      if (/required revision has been compacted/.test(message)) {
        throw new StorageError('Compacted', message, undefined, { cause: err });
      }
      if (UNAVAILABLE_PATTERNS.some((re) => re.test(message)) || (err as { name?: string }).name?.startsWith('GRPC')) {
        throw new StorageError('Unavailable', `etcd ${what} failed: ${rootCause(message)}`, undefined, { cause: err });
      }
      throw err;
    } finally {
      span.end();
    }
  }

  async get(key: string): Promise<StoredValue | undefined> {
    return this.call('get', async (deadline) => {
      const res = await this.client.kv.range({ key: Buffer.from(key) }, { deadline });
      const kv = res.kvs[0] as RawKeyValue | undefined;
      return kv ? toStored(kv) : undefined;
    });
  }

  async getAt(key: string, revision: number): Promise<StoredValue | undefined> {
    return this.call('get', async (deadline) => {
      const res = await this.client.kv.range({ key: Buffer.from(key), revision }, { deadline });
      const kv = res.kvs[0] as RawKeyValue | undefined;
      return kv ? toStored(kv) : undefined;
    });
  }

  async create(key: string, value: Buffer, request?: RequestRecord): Promise<number> {
    const k = Buffer.from(key);
    return this.write('create', key, request, [{ key: k, target: 'Version', result: 'Equal', version: 0 }], { request_put: { key: k, value } }, (kv) =>
      kv ? new StorageError('KeyExists', `key ${key} already exists`, toStored(kv)) : undefined,
    );
  }

  async update(key: string, value: Buffer, expectedModRevision: number, request?: RequestRecord): Promise<number> {
    return this.guarded('update', key, expectedModRevision, { request_put: { key: Buffer.from(key), value } }, request);
  }

  async delete(key: string, expectedModRevision: number, request?: RequestRecord): Promise<number> {
    return this.guarded('delete', key, expectedModRevision, { request_delete_range: { key: Buffer.from(key) } }, request);
  }

  async recordedWrite(id: string): Promise<RecordedWrite | undefined> {
    const stored = await this.get(REQUEST_RECORD_PREFIX + id);
    if (!stored) return undefined;
    const record = JSON.parse(stored.value.toString('utf8')) as Omit<RecordedWrite, 'id' | 'revision'>;
    return { ...record, id, revision: stored.modRevision };
  }

  private async guarded(what: 'update' | 'delete', key: string, expectedModRevision: number, op: object, request?: RequestRecord): Promise<number> {
    const k = Buffer.from(key);
    return this.write(what, key, request, [{ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedModRevision }], op, (kv) => {
      if (!kv) return new StorageError('KeyNotFound', `key ${key} not found`);
      return Number(kv.mod_revision) === expectedModRevision ? undefined : new StorageError('Conflict', `key ${key} was modified`, toStored(kv));
    });
  }

  /**
   * One transaction: the write and, for a request, its record, guarded by `compare` and by the
   * record's absence. When it fails, `refused` says, from the key's current value, why the object's
   * own guard failed; when that guard held, the request had written already (RequestDone).
   */
  private async write(
    what: 'create' | 'update' | 'delete',
    key: string,
    request: RequestRecord | undefined,
    compare: object[],
    op: object,
    refused: (current: RawKeyValue | undefined) => StorageError | undefined,
  ): Promise<number> {
    const k = Buffer.from(key);
    const record = request ? Buffer.from(REQUEST_RECORD_PREFIX + request.id) : undefined;
    const lease = request ? await this.recordLeaseId() : undefined;
    return this.call(what, async (deadline) => {
      const res = await this.client.kv.txn(
        {
          compare: record ? [...compare, { key: record, target: 'Version', result: 'Equal', version: 0 }] : compare,
          success: record
            ? [op, { request_put: { key: record, value: Buffer.from(JSON.stringify({ key, op: what, user: request!.user })), lease } }]
            : [op],
          failure: record ? [{ request_range: { key: k } }, { request_range: { key: record } }] : [{ request_range: { key: k } }],
        } as Parameters<Etcd3['kv']['txn']>[0],
        { deadline },
      );
      if (!res.succeeded) {
        const refusal = refused(res.responses[0]?.response_range?.kvs[0] as RawKeyValue | undefined);
        throw refusal ?? new StorageError('RequestDone', `request ${request?.id} has written already`);
      }
      return Number(res.header.revision);
    });
  }

  /** The lease request records are written under; a new one every REQUEST_LEASE_REUSE_MS. */
  private recordLeaseId(): Promise<string> {
    const now = Date.now();
    if (!this.recordLease || now - this.recordLease.grantedAt > REQUEST_LEASE_REUSE_MS) {
      const id = this.call('lease', async (deadline) => (await this.client.leaseClient.leaseGrant({ TTL: REQUEST_RECORD_TTL_SECONDS }, { deadline })).ID);
      this.recordLease = { id, grantedAt: now };
      // A grant that failed is not kept: the next write asks again.
      id.catch(() => {
        if (this.recordLease?.id === id) this.recordLease = undefined;
      });
    }
    return this.recordLease.id;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    return this.call('list', async (deadline) => {
      const res = await this.client.kv.range(
        {
          key: Buffer.from(options.startKey ?? prefix),
          range_end: prefixEnd(prefix),
          limit: options.limit ?? 0,
          revision: options.revision ?? 0,
        },
        { deadline },
      );
      const items = (res.kvs as RawKeyValue[]).map(toStored);
      const count = Number(res.count);
      return { items, revision: Number(res.header.revision), more: res.more, remaining: Math.max(0, count - items.length) };
    });
  }

  async currentRevision(): Promise<number> {
    return this.call('revision', async (deadline) => {
      const res = await this.client.kv.range({ key: Buffer.from('/'), count_only: true }, { deadline });
      return Number(res.header.revision);
    });
  }

  async compact(revision: number): Promise<void> {
    await this.call('compact', async (deadline) => {
      await this.client.kv.compact({ revision, physical: false }, { deadline });
    });
  }

  async close(): Promise<void> {
    this.client.close();
  }
}

/** Resolves once etcd at these endpoints answers a status call; rejects with the root cause otherwise. */
async function probeEtcd(endpoints: string[], tls: EtcdTls | undefined): Promise<void> {
  const client = new Etcd3(connectionOptions(endpoints, tls));
  try {
    await client.maintenance.status();
  } catch (err) {
    throw new Error(rootCause(err instanceof Error ? err.message : String(err)));
  } finally {
    client.close();
  }
}

/** etcd as a dependency a service waits for at start (see @kapi/service-kit's awaitDependencies). */
export function etcdDependency(endpoints: string[], tls?: EtcdTls) {
  return { name: 'etcd', address: endpoints.join(','), probe: () => probeEtcd(endpoints, tls) };
}
