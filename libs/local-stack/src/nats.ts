import * as fs from 'node:fs';
import * as path from 'node:path';
import { requireNatsServer } from './binaries';
import { httpGet, waitForHttpsUrl } from './network';
import { ManagedProcess, StopOptions, StopOutcome, spawnManaged } from './processes';
import { awaitReadiness } from './readiness';

/** The largest message the server takes: the event bus's MAX_BATCH_BYTES (its integration test checks they agree). */
export const NATS_MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

export interface NatsOptions {
  /** JetStream storage directory. */
  storeDir: string;
  port: number;
  monitorPort: number;
  host?: string;
  /** Where the generated server config is written; defaults to `<storeDir>.conf`. */
  configFile?: string;
  /** Defaults to `<storeDir>.log`. */
  logFile?: string;
  runDir?: string;
  instance?: string;
  /** See SpawnOptions.detached; standalone use defaults to attached. */
  detached?: boolean;
  readyTimeoutMs?: number;
  /** Mutual TLS and kapi's users (NATS_USERS); without it the server is open, which only tests of other things use. */
  tls?: NatsServerTls;
}

/** The NATS server's certificate and key, and the CA its clients' certificates must chain to (the services CA). */
export interface NatsServerTls {
  certFile: string;
  keyFile: string;
  caFile: string;
}

/** A NATS user: the identity a client certificate names, and the subjects it may publish to and subscribe to. */
export interface NatsUser {
  identity: string;
  publish: readonly string[];
  subscribe: readonly string[];
}

/** The stream and subject @kapi/event-bus uses (EVENTS_STREAM, EVENTS_SUBJECT). */
const EVENTS_STREAM = 'KAPI_EVENTS';
const EVENTS_SUBJECT = 'kapi.events';

/**
 * Who may do what on NATS: a client's certificate (from the services CA) names its identity, which
 * NATS maps to one of these users (verify_and_map); any other client is refused. Only the
 * registry's publisher writes the event subject and manages the stream; watch-caches create and
 * read consumers of it and nothing else, so none can forge an event, purge or delete. Each user
 * reads replies only under its own inbox prefix (@kapi/event-bus's inboxPrefixOf). The Helm chart's
 * NATS config grants the same (checked by deploy/src/chart.int-spec.ts).
 */
export const NATS_USERS: readonly NatsUser[] = [
  {
    identity: 'registry',
    publish: [
      EVENTS_SUBJECT,
      '$JS.API.INFO',
      `$JS.API.STREAM.CREATE.${EVENTS_STREAM}`,
      `$JS.API.STREAM.UPDATE.${EVENTS_STREAM}`,
      `$JS.API.STREAM.INFO.${EVENTS_STREAM}`,
      `$JS.API.STREAM.MSG.GET.${EVENTS_STREAM}`,
    ],
    subscribe: ['_INBOX.registry.>'],
  },
  {
    identity: 'watch-cache',
    publish: [
      '$JS.API.INFO',
      `$JS.API.STREAM.INFO.${EVENTS_STREAM}`,
      `$JS.API.CONSUMER.CREATE.${EVENTS_STREAM}.>`,
      `$JS.API.CONSUMER.INFO.${EVENTS_STREAM}.>`,
      `$JS.API.CONSUMER.MSG.NEXT.${EVENTS_STREAM}.>`,
      `$JS.ACK.${EVENTS_STREAM}.>`,
    ],
    subscribe: ['_INBOX.watch-cache.>'],
  },
];

/** The tls and authorization blocks of a NATS config: clients verified against the CA and mapped to NATS_USERS by certificate. */
export function renderNatsAuthorization(tls: NatsServerTls, users: readonly NatsUser[] = NATS_USERS): string[] {
  const list = (subjects: readonly string[]) => `[${subjects.map((subject) => JSON.stringify(subject)).join(', ')}]`;
  return [
    'tls {',
    `  cert_file: ${JSON.stringify(tls.certFile)}`,
    `  key_file: ${JSON.stringify(tls.keyFile)}`,
    `  ca_file: ${JSON.stringify(tls.caFile)}`,
    '  verify_and_map: true',
    '}',
    '',
    'authorization {',
    '  users = [',
    ...users.map(
      (user) =>
        `    { user: ${JSON.stringify(`CN=${user.identity}`)}, permissions: { publish: { allow: ${list(user.publish)} }, subscribe: { allow: ${list(user.subscribe)} } } }`,
    ),
    '  ]',
    '}',
    '',
  ];
}

export interface NatsHandle {
  /** Client URL, ready to pass as KAPI_NATS_URL. */
  url: string;
  monitorUrl: string;
  process: ManagedProcess;
  stop(options?: StopOptions): Promise<StopOutcome>;
}

/**
 * `sync_interval: always` makes JetStream fsync every write: kapi's watch
 * events must not vanish when a machine loses power, and the throughput cost is
 * acceptable for a control plane. `max_payload` is the event bus's
 * MAX_BATCH_BYTES (libs/event-bus), so one revision of the largest object kube
 * accepts fits a message (NATS's default is 1 MiB).
 */
export function renderNatsConfig(options: { host: string; port: number; monitorPort: number; storeDir: string; serverName: string; tls?: NatsServerTls }): string {
  return [
    `server_name: ${JSON.stringify(options.serverName)}`,
    `listen: ${JSON.stringify(`${options.host}:${options.port}`)}`,
    `http: ${JSON.stringify(`${options.host}:${options.monitorPort}`)}`,
    `max_payload: ${NATS_MAX_PAYLOAD_BYTES}`,
    '',
    'jetstream {',
    `  store_dir: ${JSON.stringify(options.storeDir)}`,
    '  sync_interval: always',
    '}',
    '',
    ...(options.tls ? renderNatsAuthorization(options.tls) : []),
  ].join('\n');
}

/** Starts nats-server with JetStream and resolves once the monitor reports JetStream healthy. */
export async function startNats(options: NatsOptions): Promise<NatsHandle> {
  const binary = requireNatsServer();
  const host = options.host ?? '127.0.0.1';
  const instance = options.instance ?? 'nats';
  const storeDir = path.resolve(options.storeDir);
  fs.mkdirSync(storeDir, { recursive: true, mode: 0o700 });
  const configFile = path.resolve(options.configFile ?? `${storeDir}.conf`);
  fs.mkdirSync(path.dirname(configFile), { recursive: true });
  fs.writeFileSync(
    configFile,
    renderNatsConfig({ host, port: options.port, monitorPort: options.monitorPort, storeDir, serverName: instance, tls: options.tls }),
  );
  const nats = spawnManaged({
    instance,
    command: binary,
    args: ['--config', configFile],
    env: { ...process.env },
    cwd: path.dirname(storeDir),
    logFile: options.logFile ?? `${storeDir}.log`,
    runDir: options.runDir,
    detached: options.detached ?? false,
  });
  const monitorUrl = `http://${host}:${options.monitorPort}`;
  await awaitReadiness(nats, (signal) =>
    waitForHttpsUrl(natsHealthUrl(monitorUrl), { timeoutMs: options.readyTimeoutMs ?? 30_000, label: instance, signal }),
  );
  return { url: `nats://${host}:${options.port}`, monitorUrl, process: nats, stop: (stopOptions) => nats.stop(stopOptions) };
}

export function natsHealthUrl(monitorUrl: string): string {
  return `${monitorUrl}/healthz?js-enabled-only=true`;
}

export async function checkNatsHealth(monitorUrl: string): Promise<{ healthy: boolean; detail: string }> {
  try {
    const response = await httpGet(natsHealthUrl(monitorUrl), { timeoutMs: 2000 });
    const healthy = response.status === 200;
    return { healthy, detail: healthy ? 'healthy' : `HTTP ${response.status}` };
  } catch (error) {
    return { healthy: false, detail: (error as Error).message };
  }
}
