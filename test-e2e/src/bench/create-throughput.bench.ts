// npm run bench: configmap creates through the front door with 16 concurrent clients, beside the
// raw throughput of etcd transactions of the same size and concurrency, and their ratio; and what
// the request record every client write now carries costs etcd (the same transaction with the
// record's compare and leased put, as the registry writes it).
import { Agent, request } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { startStack, withFreePorts, type StackHandle, type StackOptions } from '@kapi/local-stack';

const CONCURRENCY = Number(process.env.KAPI_BENCH_CONCURRENCY ?? 16);
const TOTAL = Number(process.env.KAPI_BENCH_CREATES ?? 3000);
const WARMUP = 200;

function configMap(name: string) {
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { key: 'v'.repeat(256) } });
}

function post(stack: StackHandle, agent: Agent, path: string, body: string): Promise<number> {
  const url = new URL(path, stack.serverUrl);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs `total` operations with `concurrency` workers; returns operations per second. */
async function measure(total: number, concurrency: number, op: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) await op(i);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return total / seconds;
}

async function main(): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'kapi-bench-'));
  const options: StackOptions = { stateDir, detached: false };
  const stack = await startStack(await withFreePorts(options));
  try {
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca: stack.tls.ca, cert: stack.tls.cert, key: stack.tls.key });
    const create = (prefix: string) => async (i: number) => {
      const code = await post(stack, agent, '/api/v1/namespaces/default/configmaps', configMap(`${prefix}-${i}`));
      if (code !== 201) throw new Error(`create answered ${code}`);
    };
    await measure(WARMUP, CONCURRENCY, create('warmup'));
    const kapi = await measure(TOTAL, CONCURRENCY, create('bench'));

    const etcd = new Etcd3({ hosts: `http://${stack.topology.etcd.host}:${stack.topology.etcd.clientPort}` });
    const value = Buffer.from(configMap('raw'));
    const txn = (prefix: string) => async (i: number) => {
      const key = Buffer.from(`/bench/${prefix}/${i}`);
      await etcd.kv.txn({
        compare: [{ key, target: 'Version', result: 'Equal', version: 0 }],
        success: [{ request_put: { key, value } }],
        failure: [{ request_range: { key } }],
      });
    };
    const lease = (await etcd.leaseClient.leaseGrant({ TTL: 600 })).ID;
    const txnWithRecord = (prefix: string) => async (i: number) => {
      const key = Buffer.from(`/bench/${prefix}/${i}`);
      const record = Buffer.from(`/bench-requests/${prefix}/${i}`);
      await etcd.kv.txn({
        compare: [
          { key, target: 'Version', result: 'Equal', version: 0 },
          { key: record, target: 'Version', result: 'Equal', version: 0 },
        ],
        success: [{ request_put: { key, value } }, { request_put: { key: record, value: Buffer.from(JSON.stringify({ key: key.toString(), op: 'create', user: 'admin' })), lease } }],
        failure: [{ request_range: { key } }, { request_range: { key: record } }],
      });
    };
    // Alternated, so that the machine's load drifting during the run shows in both alike.
    await measure(WARMUP, CONCURRENCY, txn('warmup'));
    await measure(WARMUP, CONCURRENCY, txnWithRecord('warmup-record'));
    const rounds: Array<[number, number]> = [];
    for (let round = 0; round < 2; round++) {
      rounds.push([await measure(TOTAL / 2, CONCURRENCY, txn(`bench-${round}`)), await measure(TOTAL / 2, CONCURRENCY, txnWithRecord(`bench-record-${round}`))]);
    }
    const raw = (rounds[0][0] + rounds[1][0]) / 2;
    const rawWithRecord = (rounds[0][1] + rounds[1][1]) / 2;
    etcd.close();
    agent.destroy();

    console.log(`configmap creates, ${CONCURRENCY} concurrent clients, ${TOTAL} creates of ~${value.length} bytes`);
    console.log(`  kapi front door (HAProxy → aggregator → authn → authz → registry → admission → etcd): ${kapi.toFixed(0)} creates/s`);
    console.log(`  raw etcd transactions (create-if-absent, same size and concurrency):            ${raw.toFixed(0)} txn/s`);
    console.log(`  ratio kapi / etcd: ${(kapi / raw).toFixed(3)}`);
    console.log(`  raw etcd transactions with the request record a kapi write carries:      ${rawWithRecord.toFixed(0)} txn/s (${(1000 / rawWithRecord - 1000 / raw).toFixed(2)} ms more per transaction at this concurrency)`);
  } finally {
    await stack.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
