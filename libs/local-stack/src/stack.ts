import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { requireBinary, requireNatsServer } from './binaries';
import { etcdEnvironment, startEtcd } from './etcd';
import {
  EXAMPLE_WEBHOOK_ENTRY_POINT,
  EXAMPLE_WEBHOOK_INSTANCE,
  exampleWebhookEnvironment,
  exampleWebhookPki,
  exampleWebhookPkiDir,
  exampleWebhookUrl,
  registerExampleWebhook,
} from './example-webhook';
import { StackError, describeError } from './errors';
import { DEFAULT_HEAP_LIMITS_MIB, HeapLimits, heapLimitFlag, heapLimitsFromEnv } from './heap-limits';
import { startHaproxy } from './haproxy';
import { writeKubeconfig } from './kubeconfig';
import { natsHealthUrl, startNats } from './nats';
import { TlsClientMaterial, isPortFree, waitForHttpsUrl, waitForTcpPort } from './network';
import { PkiFiles, ensurePki, servingSubjectAltNames } from './pki';
import {
  ManagedProcess,
  ProcessRecord,
  SpawnOptions,
  StopOutcome,
  processState,
  readCmdline,
  readProcessRecords,
  readStartTicks,
  removeProcessRecord,
  signalIfOurs,
  spawnManaged,
  stopProcess,
  tailFile,
  writeProcessRecord,
} from './processes';
import { awaitReadiness } from './readiness';
import { childEnvironment, serviceEnvironment } from './service-env';
import { StatePaths, logFileOf, moveLegacyData, statePaths } from './state-dir';
import { operatorTlsMaterial } from './service-probe';
import { ExpectedProcess, HAPROXY_INSTANCE, ProcessKind, SUPERVISOR_INSTANCE, exampleWebhookCa, expectedProcesses, probeHealth } from './status';
import { RestartBackoffOptions, Supervisor, SupervisorEvent } from './supervisor';
import {
  BackendServiceName,
  ServiceInstance,
  ServiceName,
  Topology,
  TopologyOptions,
  instancesOf,
  listeningAddresses,
  resolveTopology,
} from './topology';

export interface ServiceCommand {
  command: string;
  args: string[];
}

export interface StackOptions extends TopologyOptions {
  /** Holds pki/, logs/, run/, etcd and NATS data; reused across restarts. */
  stateDir: string;
  /** Working directory of the services; found from this package's location when omitted. */
  repoRoot?: string;
  /**
   * true (default): processes outlive the caller, as `npm run up` needs.
   * false: processes die with the caller, which suits tests.
   */
  detached?: boolean;
  /** Budget for the load balancer's /readyz to answer 200 once everything runs. */
  readyTimeoutMs?: number;
  /** Budget for each process to start listening. */
  processStartTimeoutMs?: number;
  /** Base environment of the services; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Overrides how a service is launched, e.g. with a stand-in in tests of this package. */
  serviceCommand?: (instance: ServiceInstance, repoRoot: string) => ServiceCommand;
  onProgress?: (message: string) => void;
  /**
   * Once started, restart every process that exits (see Supervisor), until `stop`. The calling
   * process is then the stack's supervisor and is recorded in the run directory as `supervisor`,
   * so that `down` stops it first and `up` refuses to start beside it.
   */
  supervise?: { backoff?: RestartBackoffOptions; onEvent?: (event: SupervisorEvent) => void };
  /** Aborting it stops a start in progress: what was started is stopped and startStack rejects. */
  signal?: AbortSignal;
}

export interface StackProcess {
  instance: string;
  kind: ProcessKind;
  pid: number;
  logFile: string;
  address: string;
}

export interface StackHandle {
  stateDir: string;
  kubeconfigPath: string;
  /** The load balancer's URL, what clients should use. */
  serverUrl: string;
  topology: Topology;
  /** Every PKI file: the users' CA and the admin's certificate, and the services CA with each identity's certificate and key (`pki.identities`). */
  pki: PkiFiles;
  /** CA and admin client credentials for talking to the API directly. */
  tls: TlsClientMaterial;
  processes: StackProcess[];
  /** Stops every process of the stack, load balancer first and etcd last. */
  stop(): Promise<void>;
  /** Sends `signal` (SIGKILL by default) to one process and waits until it is gone, e.g. to test failover. */
  killInstance(instance: string, signal?: NodeJS.Signals): Promise<void>;
  /**
   * Starts one process of the stack again (a service replica, `etcd`, `nats` or `haproxy`) with the
   * command, environment and working directory it was first started with, appending to the same log
   * file and rewriting its pid file, and resolves once it is ready: etcd and NATS when their health
   * endpoints answer, every other process when its port accepts connections. A process that still
   * runs is stopped first (SIGTERM, then SIGKILL). Returns the process as it now is; the same entry
   * of `processes` is updated, and `stop` and `killInstance` act on the new process.
   */
  restartInstance(instance: string): Promise<StackProcess>;
}

export interface StoppedProcess {
  instance: string;
  pid: number;
  outcome: StopOutcome | 'unverifiable';
}

/** How a process of the stack was started, so that restartInstance can start it again the same way. */
interface LaunchSpec {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  logFile: string;
  /** Resolves once the (re)started process is ready to serve; rejects when `signal` aborts. */
  ready: (signal: AbortSignal) => Promise<unknown>;
}

/** Backends start in these waves; each wave waits for the previous one to listen. */
const BACKEND_WAVES: ReadonlyArray<readonly BackendServiceName[]> = [['registry'], ['watch-cache', 'authn', 'authz', 'admission']];

export function defaultServiceCommand(instance: ServiceInstance, heapLimits: HeapLimits = DEFAULT_HEAP_LIMITS_MIB): ServiceCommand {
  return { command: process.execPath, args: [heapLimitFlag(instance.service, heapLimits), serviceEntryPoint(instance.service)] };
}

export function serviceEntryPoint(service: ServiceName): string {
  return `services/${service}/dist/main.js`;
}

/**
 * Starts etcd, NATS, the services, the front doors and HAProxy, and resolves
 * once the load balancer's /readyz answers 200. Fails fast with a one-line
 * StackError (and stops whatever it started) when something is missing, a port
 * is taken, a process exits, or readiness times out.
 */
export async function startStack(options: StackOptions): Promise<StackHandle> {
  const paths = statePaths(options.stateDir);
  const topology = resolveTopology(options);
  const repoRoot = options.repoRoot ?? findRepoRoot();
  const detached = options.detached ?? true;
  const startTimeoutMs = options.processStartTimeoutMs ?? 30_000;
  const progress = options.onProgress ?? (() => undefined);
  const heapLimits = heapLimitsFromEnv(options.env ?? process.env);
  const commandOf = options.serviceCommand ?? ((instance: ServiceInstance) => defaultServiceCommand(instance, heapLimits));

  assertNotRunning(paths);
  const interrupted = () => {
    if (options.signal?.aborted) throw new StackError('start interrupted');
  };
  // Every tool is checked before anything starts, so a missing one never leaves a half-started stack.
  for (const tool of ['etcd', 'haproxy', 'openssl']) requireBinary(tool);
  requireNatsServer();
  if (!options.serviceCommand) assertServicesBuilt(repoRoot, topology);
  if (topology.exampleWebhook && !fs.existsSync(path.join(repoRoot, EXAMPLE_WEBHOOK_ENTRY_POINT))) {
    throw new StackError(`${EXAMPLE_WEBHOOK_ENTRY_POINT} is missing; run npm run build`);
  }
  await assertPortsFree(topology);

  for (const directory of [paths.stateDir, paths.logsDir, paths.runDir]) fs.mkdirSync(directory, { recursive: true });
  moveLegacyData(paths);
  const frontDoorIps = instancesOf(topology, 'aggregator').map((instance) => instance.listen.host);
  const pki = ensurePki(paths.pkiDir, servingSubjectAltNames([...frontDoorIps, topology.loadBalancer.host]));
  if (pki.generated.length > 0) progress(`generated ${pki.generated.join(', ')} in ${paths.pkiDir}`);
  const serverUrl = `https://${topology.loadBalancer.host}:${topology.loadBalancer.port}`;
  writeKubeconfig(paths.kubeconfigFile, pki.files, serverUrl);
  fs.writeFileSync(paths.topologyFile, `${JSON.stringify(topology, null, 2)}\n`);
  const tls = readTls(pki.files);

  const started: ManagedProcess[] = [];
  const launchSpecs = new Map<string, LaunchSpec>();
  /** etcd, NATS and HAProxy are spawned by their own modules; their argv comes from the process record. */
  const rememberLaunch = (managed: ManagedProcess, spec: Omit<LaunchSpec, 'command' | 'args' | 'logFile'>) =>
    launchSpecs.set(managed.instance, { command: managed.record.argv[0], args: managed.record.argv.slice(1), logFile: managed.logFile, ...spec });
  const addresses = new Map(expectedProcesses(topology).map((expected) => [expected.instance, expected]));
  let supervisor: Supervisor | undefined;
  if (options.supervise) writeProcessRecord(paths.runDir, currentProcessRecord(logFileOf(paths, SUPERVISOR_INSTANCE)));
  /** Load balancer first and etcd last, as `down` stops them; the processes of one rank together. */
  const stopAll = async () => {
    supervisor?.stop();
    const ranks = [...new Set(started.map((managed) => stopRank(managed.instance)))].sort((a, b) => a - b);
    for (const rank of ranks) {
      await Promise.all(started.filter((managed) => stopRank(managed.instance) === rank).map((managed) => managed.stop().catch(() => undefined)));
    }
    if (options.supervise) removeProcessRecord(paths.runDir, SUPERVISOR_INSTANCE);
  };

  try {
    interrupted();
    progress(`starting etcd on ${topology.etcd.host}:${topology.etcd.clientPort}`);
    // What startEtcd, startNats and startHaproxy give their process, taken at the same moment.
    const etcdEnv = etcdEnvironment();
    const etcd = await startEtcd({
      dataDir: paths.etcdDataDir,
      clientPort: topology.etcd.clientPort,
      peerPort: topology.etcd.peerPort,
      host: topology.etcd.host,
      logFile: logFileOf(paths, 'etcd'),
      runDir: paths.runDir,
      detached,
      readyTimeoutMs: startTimeoutMs,
    });
    started.push(etcd.process);
    const etcdHealthUrl = `${etcd.endpoints[0]}/health`;
    rememberLaunch(etcd.process, {
      env: etcdEnv,
      cwd: path.dirname(paths.etcdDataDir),
      ready: (signal) => waitForHttpsUrl(etcdHealthUrl, { timeoutMs: startTimeoutMs, label: 'etcd', signal }),
    });

    interrupted();
    progress(`starting nats on ${topology.nats.host}:${topology.nats.port}`);
    const natsEnv = { ...process.env };
    const nats = await startNats({
      storeDir: paths.natsStoreDir,
      configFile: paths.natsConfigFile,
      tls: { certFile: pki.files.identities.nats.cert, keyFile: pki.files.identities.nats.key, caFile: pki.files.servicesCaCert },
      port: topology.nats.port,
      monitorPort: topology.nats.monitorPort,
      host: topology.nats.host,
      logFile: logFileOf(paths, 'nats'),
      runDir: paths.runDir,
      detached,
      readyTimeoutMs: startTimeoutMs,
    });
    started.push(nats.process);
    const natsReadyUrl = natsHealthUrl(nats.monitorUrl);
    rememberLaunch(nats.process, {
      env: natsEnv,
      cwd: path.dirname(paths.natsStoreDir),
      ready: (signal) => waitForHttpsUrl(natsReadyUrl, { timeoutMs: startTimeoutMs, label: 'nats', signal }),
    });

    /** Spawns a process the stack itself launches (not etcd, NATS or HAProxy) and waits until it is ready. */
    const startProcess = (instance: string, spec: LaunchSpec) => {
      launchSpecs.set(instance, spec);
      const managed = spawnManaged({ instance, ...specSpawnFields(spec), runDir: paths.runDir, detached });
      started.push(managed);
      return awaitReadiness(managed, spec.ready);
    };
    const launch = (instances: ServiceInstance[]) =>
      Promise.all(
        instances.map((instance) => {
          const command = commandOf(instance, repoRoot);
          progress(`starting ${instance.instance} on ${instance.listen.host}:${instance.listen.port}`);
          return startProcess(instance.instance, {
            command: command.command,
            args: command.args,
            env: childEnvironment(options.env ?? process.env, serviceEnvironment(topology, instance, paths)),
            cwd: repoRoot,
            logFile: logFileOf(paths, instance.instance),
            ready: (signal) =>
              waitForTcpPort(instance.listen.host, instance.listen.port, { timeoutMs: startTimeoutMs, label: instance.instance, signal }),
          });
        }),
      );
    for (const wave of BACKEND_WAVES) {
      interrupted();
      await launch(wave.flatMap((service) => instancesOf(topology, service)));
    }
    interrupted();
    await launch(instancesOf(topology, 'aggregator'));

    interrupted();
    progress(`starting haproxy on ${topology.loadBalancer.host}:${topology.loadBalancer.port}`);
    const haproxyEnv = { ...process.env };
    const haproxy = await startHaproxy({
      bind: topology.loadBalancer,
      backends: instancesOf(topology, 'aggregator').map((instance) => ({ name: instance.instance, ...instance.listen })),
      checkCertificate: pki.files.loadBalancerPem,
      configFile: paths.haproxyConfigFile,
      logFile: logFileOf(paths, HAPROXY_INSTANCE),
      runDir: paths.runDir,
      instance: HAPROXY_INSTANCE,
      detached,
      cwd: paths.stateDir,
      readyTimeoutMs: startTimeoutMs,
    });
    started.push(haproxy.process);
    const lb = topology.loadBalancer;
    rememberLaunch(haproxy.process, {
      env: haproxyEnv,
      cwd: paths.stateDir,
      ready: (signal) => waitForTcpPort(lb.host, lb.port, { timeoutMs: startTimeoutMs, label: HAPROXY_INSTANCE, signal }),
    });

    const webhook = topology.exampleWebhook;
    let webhookCaFile: string | undefined;
    if (webhook) {
      interrupted();
      const webhookPki = exampleWebhookPki(paths, webhook);
      if (webhookPki.generated.length > 0) progress(`generated ${webhookPki.generated.join(', ')} in ${exampleWebhookPkiDir(paths)}`);
      webhookCaFile = webhookPki.files.caCert;
      const ca = fs.readFileSync(webhookCaFile);
      progress(`starting ${EXAMPLE_WEBHOOK_INSTANCE} on ${webhook.host}:${webhook.port}`);
      await startProcess(EXAMPLE_WEBHOOK_INSTANCE, {
        command: process.execPath,
        args: [EXAMPLE_WEBHOOK_ENTRY_POINT],
        env: { ...(options.env ?? process.env), ...exampleWebhookEnvironment(webhook, webhookPki.files) },
        cwd: repoRoot,
        logFile: logFileOf(paths, EXAMPLE_WEBHOOK_INSTANCE),
        ready: (signal) =>
          waitForHttpsUrl(`${exampleWebhookUrl(webhook)}/readyz`, { tls: { ca }, timeoutMs: startTimeoutMs, label: EXAMPLE_WEBHOOK_INSTANCE, signal }),
      });
    }

    progress(`waiting for ${serverUrl}/readyz`);
    await waitUntilReady(started, addresses, paths, serverUrl, tls, options.readyTimeoutMs ?? 90_000, options.signal);
    interrupted();
    if (webhook && webhookCaFile) {
      const applied = await registerExampleWebhook({ repoRoot, serverUrl, tls, listen: webhook, caFile: webhookCaFile });
      progress(`registered ${applied.join(' and ')} calling ${exampleWebhookUrl(webhook)}`);
    }
  } catch (error) {
    await stopAll();
    if (error instanceof StackError) throw error;
    throw new StackError(describeError(error));
  }

  const byInstance = new Map(started.map((managed) => [managed.instance, managed]));
  const processes: StackProcess[] = started.map((managed) => ({
    instance: managed.instance,
    kind: addresses.get(managed.instance)?.kind ?? 'service',
    pid: managed.pid,
    logFile: managed.logFile,
    address: addresses.get(managed.instance)?.address ?? '',
  }));
  /** One restart at a time per instance: a second one waits for the first instead of racing it. */
  const restarting = new Map<string, Promise<unknown>>();

  /** Starts `instance` again from its launch spec; from then on stop() and killInstance() act on the new process. */
  const respawn = (instance: string, spec: LaunchSpec, history?: { restarts: number }): ManagedProcess => {
    const previous = byInstance.get(instance)!;
    const managed = spawnManaged({ instance, ...specSpawnFields(spec), runDir: paths.runDir, detached, history });
    started[started.indexOf(previous)] = managed;
    byInstance.set(instance, managed);
    processes.find((candidate) => candidate.instance === instance)!.pid = managed.pid;
    return managed;
  };

  const restart = async (instance: string): Promise<StackProcess> => {
    const previous = byInstance.get(instance);
    const spec = launchSpecs.get(instance);
    if (!previous || !spec) throw new StackError(`no process named ${instance} in this stack`);
    // Stopped on purpose: not a crash for the supervisor to answer.
    supervisor?.release(instance);
    if (!previous.hasExited()) await previous.stop();
    const managed = respawn(instance, spec, supervisor?.history(instance));
    supervisor?.watch(instance, managed);
    await awaitReadiness(managed, spec.ready);
    return processes.find((candidate) => candidate.instance === instance)!;
  };

  if (options.supervise) {
    const onEvent = options.supervise.onEvent;
    supervisor = new Supervisor({
      backoff: options.supervise.backoff,
      onEvent,
      respawn: (instance, history) => respawn(instance, launchSpecs.get(instance)!, history),
    });
    for (const managed of started) supervisor.watch(managed.instance, managed);
  }

  return {
    stateDir: paths.stateDir,
    kubeconfigPath: paths.kubeconfigFile,
    serverUrl,
    topology,
    pki: pki.files,
    tls,
    processes,
    stop: stopAll,
    killInstance: async (instance, signal = 'SIGKILL') => {
      const managed = byInstance.get(instance);
      if (!managed) throw new StackError(`no process named ${instance} in this stack`);
      if (managed.hasExited()) return;
      signalIfOurs(managed.record, signal);
      // Children are unref'd, so this timer is what keeps the event loop alive until the exit arrives; it is cancelled after.
      const deadline = new AbortController();
      const exitedInTime = await Promise.race([
        managed.exited.then(() => true),
        sleep(10_000, false, { signal: deadline.signal }).catch(() => false),
      ]);
      deadline.abort();
      if (!exitedInTime) throw new StackError(`${instance} (pid ${managed.pid}) did not exit within 10s of ${signal}`);
    },
    restartInstance: (instance) => {
      const run = (restarting.get(instance) ?? Promise.resolve()).catch(() => undefined).then(() => restart(instance));
      restarting.set(instance, run);
      return run;
    },
  };
}

function specSpawnFields(spec: LaunchSpec): Pick<SpawnOptions, 'command' | 'args' | 'env' | 'cwd' | 'logFile'> {
  return { command: spec.command, args: spec.args, env: spec.env, cwd: spec.cwd, logFile: spec.logFile };
}

/**
 * Stops the processes recorded in `<stateDir>/run`, load balancer first and etcd
 * last so that nothing serves requests while its dependencies disappear. Only
 * pids whose command line and start time still match the record are signalled.
 * A supervisor goes first, and is given the time to stop its processes itself
 * (front doors wait out their shutdown delay); whatever is recorded after it is
 * gone (all of it, if the supervisor had died) is stopped here, read only then,
 * so a process it restarted in the meantime is not missed.
 */
export async function stopStack(
  stateDir: string,
  options: { timeoutMs?: number; supervisorTimeoutMs?: number; onProgress?: (message: string) => void } = {},
): Promise<StoppedProcess[]> {
  const paths = statePaths(stateDir);
  const results: StoppedProcess[] = [];
  const stopEntry = async (entry: ReturnType<typeof readProcessRecords>[number], timeoutMs?: number): Promise<StoppedProcess> => {
    // Without its record a pid cannot be proven ours, so it is forgotten rather than signalled.
    const outcome = entry.record ? await stopProcess(entry.record, { timeoutMs }) : 'unverifiable';
    removeProcessRecord(paths.runDir, entry.instance);
    options.onProgress?.(`${entry.instance} (pid ${entry.pid}): ${outcome}`);
    return { instance: entry.instance, pid: entry.pid, outcome };
  };
  const supervisor = readProcessRecords(paths.runDir).find((entry) => entry.instance === SUPERVISOR_INSTANCE);
  if (supervisor) results.push(await stopEntry(supervisor, options.supervisorTimeoutMs ?? SUPERVISOR_STOP_TIMEOUT_MS));
  const entries = readProcessRecords(paths.runDir).sort((a, b) => stopRank(a.instance) - stopRank(b.instance));
  for (const rank of [...new Set(entries.map((entry) => stopRank(entry.instance)))]) {
    const wave = entries.filter((entry) => stopRank(entry.instance) === rank);
    results.push(...(await Promise.all(wave.map((entry) => stopEntry(entry, options.timeoutMs)))));
  }
  return results;
}

/**
 * How long `down` gives a supervisor to stop the stack: plenty for processes that stop gracefully
 * (seconds each, rank after rank). A supervisor still busy after it is killed, and `down` stops
 * whatever is left itself.
 */
const SUPERVISOR_STOP_TIMEOUT_MS = 90_000;

/** The repository root: the nearest ancestor whose package.json declares npm workspaces. */
export function findRepoRoot(from: string = __dirname): string {
  let directory = path.resolve(from);
  for (;;) {
    try {
      const manifest = JSON.parse(fs.readFileSync(path.join(directory, 'package.json'), 'utf8')) as { workspaces?: unknown };
      if (Array.isArray(manifest.workspaces)) return directory;
    } catch {
      // No manifest here; keep climbing.
    }
    const parent = path.dirname(directory);
    if (parent === directory) throw new StackError(`cannot find the kapi repository root above ${from}`);
    directory = parent;
  }
}

function stopRank(instance: string): number {
  // The supervisor goes first, so that nothing is restarted behind `down`'s back.
  if (instance === SUPERVISOR_INSTANCE) return -1;
  if (instance === HAPROXY_INSTANCE) return 0;
  if (instance.startsWith('aggregator-')) return 1;
  if (instance.startsWith('registry-')) return 3;
  if (instance === 'nats') return 4;
  if (instance === 'etcd') return 5;
  return 2;
}

/** Refuses, in one line, a state directory whose stack still runs (and forgets pid files of processes gone). */
export function assertStackStopped(stateDir: string): void {
  assertNotRunning(statePaths(stateDir));
}

function assertNotRunning(paths: StatePaths): void {
  for (const entry of readProcessRecords(paths.runDir)) {
    if (entry.record && processState(entry.record) === 'running') {
      throw new StackError(`kapi is already running from ${paths.stateDir} (${entry.instance} has pid ${entry.pid}); stop it first (npm run down)`);
    }
    removeProcessRecord(paths.runDir, entry.instance);
  }
}

function assertServicesBuilt(repoRoot: string, topology: Topology): void {
  for (const service of new Set(topology.services.map((instance) => instance.service))) {
    const entryPoint = serviceEntryPoint(service);
    if (!fs.existsSync(path.join(repoRoot, entryPoint))) {
      throw new StackError(`${entryPoint} is missing; run npm run build`);
    }
  }
}

async function assertPortsFree(topology: Topology): Promise<void> {
  for (const address of listeningAddresses(topology)) {
    if (!(await isPortFree(address.host, address.port))) {
      throw new StackError(`port ${address.host}:${address.port} (${address.owner}) is already in use`);
    }
  }
}

function readTls(files: PkiFiles): TlsClientMaterial {
  return { ca: fs.readFileSync(files.caCert), cert: fs.readFileSync(files.adminCert), key: fs.readFileSync(files.adminKey) };
}

/**
 * Waits for the load balancer's /readyz while watching every process. When
 * time runs out, the error names the first process that is not healthy and
 * carries the end of its log, since "not ready" alone helps nobody.
 */
async function waitUntilReady(
  started: ManagedProcess[],
  expected: Map<string, ExpectedProcess>,
  paths: StatePaths,
  serverUrl: string,
  tls: TlsClientMaterial,
  timeoutMs: number,
  interrupt?: AbortSignal,
): Promise<void> {
  const controller = new AbortController();
  const onInterrupt = () => controller.abort(new Error('start interrupted'));
  interrupt?.addEventListener('abort', onInterrupt, { once: true });
  const anyExit = Promise.race(
    started.map((managed) =>
      managed.exited.then((exit) => {
        const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
        throw new StackError(`${managed.instance} exited during start (${how}); see ${managed.logFile}`, tailFile(managed.logFile));
      }),
    ),
  );
  try {
    await Promise.race([
      waitForHttpsUrl(`${serverUrl}/readyz`, { tls, timeoutMs, label: 'load balancer', signal: controller.signal }),
      anyExit,
    ]);
  } catch (error) {
    if (interrupt?.aborted) throw new StackError('start interrupted');
    if (error instanceof StackError && error.details !== undefined) throw error;
    for (const managed of started) {
      const target = expected.get(managed.instance);
      if (!target) continue;
      const health = await probeHealth(target, tls, operatorTlsMaterial(paths), exampleWebhookCa(paths));
      if (!health.healthy) {
        throw new StackError(
          `kapi did not become ready within ${timeoutMs / 1000}s: ${managed.instance} is not healthy (${health.detail}); see ${logFileOf(paths, managed.instance)}`,
          tailFile(managed.logFile),
        );
      }
    }
    throw error;
  } finally {
    interrupt?.removeEventListener('abort', onInterrupt);
    controller.abort();
    anyExit.catch(() => undefined);
  }
}

/** The record of the calling process, for a supervisor that is recorded like the processes it starts. */
function currentProcessRecord(logFile: string): ProcessRecord {
  return {
    instance: SUPERVISOR_INSTANCE,
    pid: process.pid,
    argv: readCmdline(process.pid) ?? [process.execPath, ...process.argv.slice(1)],
    startTicks: readStartTicks(process.pid) ?? '',
    logFile,
    startedAt: new Date().toISOString(),
  };
}
