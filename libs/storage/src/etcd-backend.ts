// StorageBackend on etcd v3. Every write is one transaction guarded by the key's mod revision, which
// is also the object's resourceVersion.
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Etcd3, type IOptions } from 'etcd3';
import { rootCause } from '@kapi/grpc';
import { StorageError, type ListOptions, type ListPage, type StorageBackend, type StoredValue } from './backend.js';

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

/** etcd3's connection options: https:// endpoints use TLS, verified against `tls.ca` or the system's roots. */
function connectionOptions(endpoints: string[], tls: EtcdTls | undefined): IOptions {
  const options: IOptions = { hosts: endpoints, dialTimeout: 2000 };
  if (tls?.ca || tls?.cert) {
    // etcd3 wants a root certificate whenever it is given credentials; Node's own roots stand in for "the system's".
    options.credentials = { rootCertificate: tls.ca ?? Buffer.from(rootCertificates.join('\n')), certChain: tls.cert, privateKey: tls.key };
  }
  return options;
}

export interface EtcdBackendOptions {
  endpoints: string[];
  tls?: EtcdTls;
  /** Per-call deadline; a call that takes longer fails as Unavailable rather than hanging. */
  callTimeoutMs?: number;
}

export class EtcdBackend implements StorageBackend {
  readonly client: Etcd3;
  private readonly timeoutMs: number;

  constructor(options: EtcdBackendOptions) {
    // Large lists come back in one response: gRPC's default 4 MiB limit would refuse them.
    const etcdOptions: IOptions = {
      ...connectionOptions(options.endpoints, options.tls),
      grpcOptions: { 'grpc.max_receive_message_length': 512 * 1024 * 1024 },
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

  async create(key: string, value: Buffer): Promise<number> {
    return this.call('create', async (deadline) => {
      const k = Buffer.from(key);
      const res = await this.client.kv.txn(
        {
          compare: [{ key: k, target: 'Version', result: 'Equal', version: 0 }],
          success: [{ request_put: { key: k, value } }],
          failure: [{ request_range: { key: k } }],
        },
        { deadline },
      );
      if (!res.succeeded) {
        const kv = res.responses[0]?.response_range?.kvs[0] as RawKeyValue | undefined;
        throw new StorageError('KeyExists', `key ${key} already exists`, kv ? toStored(kv) : undefined);
      }
      return Number(res.header.revision);
    });
  }

  async update(key: string, value: Buffer, expectedModRevision: number): Promise<number> {
    return this.guarded('update', key, expectedModRevision, { request_put: { key: Buffer.from(key), value } });
  }

  async delete(key: string, expectedModRevision: number): Promise<number> {
    return this.guarded('delete', key, expectedModRevision, { request_delete_range: { key: Buffer.from(key) } });
  }

  private async guarded(what: string, key: string, expectedModRevision: number, op: object): Promise<number> {
    return this.call(what, async (deadline) => {
      const k = Buffer.from(key);
      const res = await this.client.kv.txn(
        {
          compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedModRevision }],
          success: [op],
          failure: [{ request_range: { key: k } }],
        },
        { deadline },
      );
      if (!res.succeeded) {
        const kv = res.responses[0]?.response_range?.kvs[0] as RawKeyValue | undefined;
        if (!kv) throw new StorageError('KeyNotFound', `key ${key} not found`);
        throw new StorageError('Conflict', `key ${key} was modified`, toStored(kv));
      }
      return Number(res.header.revision);
    });
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
