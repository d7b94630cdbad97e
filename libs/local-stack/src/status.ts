import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkEtcdHealth } from './etcd';
import { describeError } from './errors';
import { EXAMPLE_WEBHOOK_INSTANCE, exampleWebhookPkiDir, exampleWebhookUrl } from './example-webhook';
import { checkNatsHealth } from './nats';
import { TlsClientMaterial, httpGet, waitForTcpPort } from './network';
import { pkiFiles } from './pki';
import { LastExit, ProcessState, processState, readProcessRecords } from './processes';
import { operatorTlsMaterial, probeServiceHealth } from './service-probe';
import { StatePaths, statePaths } from './state-dir';
import { ServiceName, Topology } from './topology';

export type ProcessKind = 'supervisor' | 'etcd' | 'nats' | 'service' | 'front-door' | 'load-balancer' | 'webhook';

export interface ExpectedProcess {
  instance: string;
  kind: ProcessKind;
  /** What the health probe talks to. */
  address: string;
  /** For a backend replica: its service, whose identity the probe expects the server to hold. */
  service?: ServiceName;
}

export interface HealthResult {
  healthy: boolean;
  detail: string;
}

export interface StatusRow extends ExpectedProcess {
  pid?: number;
  state: ProcessState | 'no-pid-file';
  health: HealthResult | undefined;
  /** How often the supervisor has restarted it, and how its previous run ended. */
  restarts?: number;
  lastExit?: LastExit;
}

export const HAPROXY_INSTANCE = 'haproxy';
/** The process `npm run up` leaves running to restart the others; recorded in run/ like them. */
export const SUPERVISOR_INSTANCE = 'supervisor';
const SUPERVISOR_ROW: ExpectedProcess = { instance: SUPERVISOR_INSTANCE, kind: 'supervisor', address: '-' };

/** Every process a stack with this topology consists of, in start order. */
export function expectedProcesses(topology: Topology): ExpectedProcess[] {
  return [
    { instance: 'etcd', kind: 'etcd', address: `http://${topology.etcd.host}:${topology.etcd.clientPort}` },
    { instance: 'nats', kind: 'nats', address: `http://${topology.nats.host}:${topology.nats.monitorPort}` },
    ...topology.services.map((service) =>
      service.service === 'aggregator'
        ? { instance: service.instance, kind: 'front-door' as const, address: `https://${service.listen.host}:${service.listen.port}` }
        : { instance: service.instance, kind: 'service' as const, address: `${service.listen.host}:${service.listen.port}`, service: service.service },
    ),
    { instance: HAPROXY_INSTANCE, kind: 'load-balancer', address: `https://${topology.loadBalancer.host}:${topology.loadBalancer.port}` },
    ...(topology.exampleWebhook ? [{ instance: EXAMPLE_WEBHOOK_INSTANCE, kind: 'webhook' as const, address: exampleWebhookUrl(topology.exampleWebhook) }] : []),
  ];
}

/**
 * Front doors and the load balancer are asked /readyz as the admin (`tls`); backend services their
 * gRPC Health as the operator identity (`operator`, from the services CA); the example webhook its
 * /readyz, verified against its own CA (`webhookCa`).
 */
export async function probeHealth(
  expected: ExpectedProcess,
  tls: TlsClientMaterial | undefined,
  operator?: TlsClientMaterial,
  webhookCa?: Buffer,
): Promise<HealthResult> {
  switch (expected.kind) {
    case 'supervisor':
      return { healthy: true, detail: 'restarts what exits' };
    case 'etcd':
      return checkEtcdHealth(expected.address);
    case 'nats':
      return checkNatsHealth(expected.address);
    case 'service': {
      if (operator && expected.service) return probeServiceHealth(expected.address, expected.service, operator);
      // Without the services PKI there is nothing to ask Health with; an open port is all that shows.
      const [host, port] = splitHostPort(expected.address);
      try {
        await waitForTcpPort(host, port, { timeoutMs: 1000 });
        return { healthy: true, detail: 'accepting connections' };
      } catch {
        return { healthy: false, detail: 'not accepting connections' };
      }
    }
    case 'webhook':
    case 'front-door':
    case 'load-balancer': {
      const material = expected.kind === 'webhook' ? webhookCa && { ca: webhookCa } : tls;
      if (!material) return { healthy: false, detail: 'no PKI to authenticate with' };
      try {
        const response = await httpGet(`${expected.address}/readyz`, { tls: material, timeoutMs: 3000 });
        return { healthy: response.status === 200, detail: `/readyz ${response.status}` };
      } catch (error) {
        return { healthy: false, detail: describeError(error) };
      }
    }
  }
}

/** The admin client credentials from a state directory, or undefined when the PKI was never generated. */
export function adminTlsMaterial(paths: StatePaths): TlsClientMaterial | undefined {
  const files = pkiFiles(paths.pkiDir);
  try {
    return {
      ca: fs.readFileSync(files.caCert),
      cert: fs.readFileSync(files.adminCert),
      key: fs.readFileSync(files.adminKey),
    };
  } catch {
    return undefined;
  }
}

/** The example webhook's CA, or undefined when the stack never ran it. */
export function exampleWebhookCa(paths: StatePaths): Buffer | undefined {
  try {
    return fs.readFileSync(path.join(exampleWebhookPkiDir(paths), 'ca.crt'));
  } catch {
    return undefined;
  }
}

/** The topology recorded by the last start in this state directory, if any. */
export function readRecordedTopology(paths: StatePaths): Topology | undefined {
  try {
    return JSON.parse(fs.readFileSync(paths.topologyFile, 'utf8')) as Topology;
  } catch {
    return undefined;
  }
}

/**
 * Status of the supervisor and every expected process. The topology recorded at start wins over
 * `fallbackTopology`, so status reflects what actually runs even if the caller's configuration
 * changed since.
 */
export async function stackStatus(stateDir: string, fallbackTopology: Topology): Promise<StatusRow[]> {
  const paths = statePaths(stateDir);
  const topology = readRecordedTopology(paths) ?? fallbackTopology;
  const records = new Map(readProcessRecords(paths.runDir).map((entry) => [entry.instance, entry]));
  const tls = adminTlsMaterial(paths);
  const operator = operatorTlsMaterial(paths);
  const webhookCa = exampleWebhookCa(paths);
  return Promise.all(
    [SUPERVISOR_ROW, ...expectedProcesses(topology)].map(async (expected): Promise<StatusRow> => {
      const entry = records.get(expected.instance);
      if (!entry) return { ...expected, state: 'no-pid-file', health: undefined };
      const state = entry.record ? processState(entry.record) : 'pid-reused';
      const health = state === 'running' ? await probeHealth(expected, tls, operator, webhookCa) : undefined;
      return { ...expected, pid: entry.pid, state, health, restarts: entry.record?.restarts, lastExit: entry.record?.lastExit };
    }),
  );
}

export function formatStatusTable(rows: StatusRow[], now = Date.now()): string {
  const header = ['INSTANCE', 'PID', 'ALIVE', 'HEALTH', 'RESTARTS', 'LAST EXIT', 'ADDRESS', 'DETAIL'];
  const cells = rows.map((row) => [
    row.instance,
    row.pid === undefined ? '-' : String(row.pid),
    describeState(row.state),
    row.health === undefined ? '-' : row.health.healthy ? 'healthy' : 'unhealthy',
    row.kind === 'supervisor' ? '-' : String(row.restarts ?? 0),
    row.lastExit ? `${describeExit(row.lastExit)}, ${age(now - Date.parse(row.lastExit.at))} ago` : '-',
    row.address,
    row.health?.detail ?? (row.state === 'no-pid-file' ? 'not started' : row.state === 'pid-reused' ? 'stale pid file' : 'not running'),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column].length)));
  return [header, ...cells]
    .map((line) => line.map((cell, column) => (column === line.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ').trimEnd())
    .join('\n');
}

export function isStackHealthy(rows: StatusRow[]): boolean {
  return rows.every((row) => row.state === 'running' && row.health?.healthy === true);
}

function describeState(state: StatusRow['state']): string {
  switch (state) {
    case 'running':
      return 'yes';
    case 'gone':
    case 'pid-reused':
      return 'no';
    case 'no-pid-file':
      return '-';
  }
}

function describeExit(exit: LastExit): string {
  return exit.signal ? exit.signal : `exit code ${exit.code}`;
}

/** A duration as kubectl prints ages: 45s, 3m, 5h, 2d. */
function age(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 2 * 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 2 * 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

function splitHostPort(address: string): [string, number] {
  const separator = address.lastIndexOf(':');
  return [address.slice(0, separator), Number(address.slice(separator + 1))];
}
