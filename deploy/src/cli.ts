import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  StackError,
  assertStackStopped,
  describeError,
  formatStatusTable,
  isStackHealthy,
  logFileOf,
  resolveTopology,
  stackStatus,
  startStack,
  statePaths,
  stopStack,
  tailFile,
  topologyOptionsFromEnv,
  type SupervisorEvent,
} from '@kapi/local-stack';
import { createLogger } from '@kapi/telemetry';

/** deploy/dist/cli.js lives two levels below the repository root. */
const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** `.kapi/` in the repository; KAPI_STATE_DIR puts a second stack (a test's, say) elsewhere. */
const STATE_DIR = process.env.KAPI_STATE_DIR ? path.resolve(process.env.KAPI_STATE_DIR) : path.join(REPO_ROOT, '.kapi');
const USAGE = 'usage: npm run up | npm run down | npm run status';

/** What the supervisor tells the `up` that started it, over their IPC channel. */
type SupervisorMessage =
  | { type: 'progress'; message: string }
  | { type: 'ready'; kubeconfigPath: string }
  | { type: 'failed'; message: string; details?: string };

/**
 * `npm run up` leaves a supervisor behind: a process of its own (`cli.js supervise`, detached, in its
 * own session) that starts the stack, restarts whatever exits, and stops everything on SIGTERM. `up`
 * relays its progress and returns once the stack is ready, or fails with the supervisor's one line.
 */
async function up(): Promise<number> {
  // Refused here, in one line, before a supervisor is even started.
  assertStackStopped(STATE_DIR);
  const paths = statePaths(STATE_DIR);
  fs.mkdirSync(paths.logsDir, { recursive: true });
  const logFile = logFileOf(paths, 'supervisor');
  const log = fs.openSync(logFile, 'a');
  let supervisor: ChildProcess;
  try {
    // The state directory as resolved here: the supervisor runs from the repository root.
    const env = { ...process.env, KAPI_STATE_DIR: STATE_DIR };
    supervisor = spawn(process.execPath, [__filename, 'supervise'], { detached: true, stdio: ['ignore', log, log, 'ipc'], env, cwd: REPO_ROOT });
  } finally {
    fs.closeSync(log);
  }
  const exited = new Promise<string>((resolve) =>
    supervisor.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`)),
  );
  const interrupted = stopOnInterrupt(supervisor, exited);
  try {
    const outcome = await new Promise<SupervisorMessage | { type: 'exited'; how: string }>((resolve) => {
      supervisor.on('message', (message: SupervisorMessage) => {
        if (message.type === 'progress') console.log(message.message);
        else resolve(message);
      });
      void exited.then((how) => resolve({ type: 'exited', how }));
    });
    switch (outcome.type) {
      case 'ready':
        // The supervisor lives on; this command must not wait for it.
        supervisor.disconnect();
        supervisor.unref();
        console.log(`kapi is up: kubectl --kubeconfig ${displayPath(outcome.kubeconfigPath)} get ns`);
        return 0;
      case 'failed':
        await exited;
        throw new StackError(outcome.message, outcome.details);
      case 'exited':
        throw new StackError(`the supervisor exited during start (${outcome.how}); see ${displayPath(logFile)}`, tailFile(logFile));
      default:
        throw new StackError(`unexpected message from the supervisor: ${JSON.stringify(outcome)}`);
    }
  } finally {
    interrupted.dispose();
  }
}

/**
 * The supervisor (`cli.js supervise`, started by `up`): starts the stack with every process in a
 * session of its own, tells `up` when it is ready, then restarts what exits until SIGTERM (what
 * `npm run down` sends), when it stops everything and exits. Its log is `.kapi/logs/supervisor.log`.
 */
async function supervise(): Promise<number> {
  const send = (message: SupervisorMessage) => process.send?.(message);
  const logger = createLogger({ component: 'supervisor' });
  const aborted = new AbortController();
  let stop: (() => Promise<void>) | undefined;
  let stopping: Promise<void> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info('stopping the stack', { signal });
    aborted.abort();
    // During the start, startStack notices the abort, stops what it started and rejects.
    if (!stop) return;
    stopping ??= stop().then(() => {
      logger.info('stopped');
      process.exit(0);
    });
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, onSignal);
  // The stack's processes are unref'd children: this keeps the supervisor alive to watch them.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    const stack = await startStack({
      ...topologyOptionsFromEnv(process.env),
      stateDir: STATE_DIR,
      repoRoot: REPO_ROOT,
      detached: true,
      signal: aborted.signal,
      supervise: { onEvent: (event) => logSupervisorEvent(logger, event) },
      onProgress: (message) => {
        logger.info(message);
        send({ type: 'progress', message });
      },
    });
    stop = stack.stop;
    if (aborted.signal.aborted) {
      await stack.stop();
      throw new StackError('start interrupted');
    }
    logger.info('kapi is up; restarting what exits', { processes: stack.processes.length });
    send({ type: 'ready', kubeconfigPath: stack.kubeconfigPath });
    if (process.connected) process.disconnect();
    return await new Promise<number>(() => undefined);
  } catch (error) {
    clearInterval(keepAlive);
    logger.error('start failed', { err: error });
    send({ type: 'failed', message: describeError(error), details: error instanceof StackError ? error.details : undefined });
    if (process.connected) process.disconnect();
    return 1;
  }
}

function logSupervisorEvent(logger: ReturnType<typeof createLogger>, event: SupervisorEvent): void {
  switch (event.type) {
    case 'exited':
      logger.warn('process exited; restarting', {
        instance: event.instance,
        pid: event.pid,
        exit: event.exit.signal ? `signal ${event.exit.signal}` : `exit code ${event.exit.code}`,
        ranForMs: event.ranForMs,
        restartInMs: event.restartInMs,
        restarts: event.restarts,
      });
      return;
    case 'restarted':
      logger.info('process restarted', { instance: event.instance, pid: event.pid, restarts: event.restarts });
      return;
    case 'restart-failed':
      logger.error('restart failed; trying again', { instance: event.instance, error: event.error, restartInMs: event.restartInMs });
      return;
  }
}

async function down(): Promise<number> {
  const stopped = await stopStack(STATE_DIR, {
    onProgress: (message) => console.log(message),
  });
  console.log(stopped.some((entry) => entry.outcome === 'stopped' || entry.outcome === 'killed') ? 'kapi is down' : 'kapi was not running');
  return 0;
}

/** Exit status 0 only when every process runs and answers its health probe, so scripts can poll it. */
async function status(): Promise<number> {
  const rows = await stackStatus(STATE_DIR, resolveTopology(topologyOptionsFromEnv(process.env)));
  console.log(formatStatusTable(rows));
  if (isStackHealthy(rows)) return 0;
  if (rows.every((row) => row.state === 'no-pid-file')) {
    console.error('kapi is not running: start it with npm run up');
    return 1;
  }
  const unhealthy = rows.filter((row) => row.state !== 'running' || row.health?.healthy !== true).length;
  console.error(`kapi is not healthy: ${unhealthy} of ${rows.length} processes are down or failing their probe`);
  return 1;
}

/**
 * A Ctrl-C during `up` stops the supervisor (in its own session, the terminal's signal does not
 * reach it), which stops what it started; whatever is still recorded after it is stopped too.
 */
function stopOnInterrupt(supervisor: ChildProcess, exited: Promise<string>): { dispose(): void } {
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`kapi up: interrupted by ${signal}, stopping what was started`);
    supervisor.kill('SIGTERM');
    void exited
      .then(() => stopStack(STATE_DIR))
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    dispose: () => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    },
  };
}

function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? file : relative;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // `up --check`: what npm run up asks before it installs or rebuilds anything under a running stack.
  if (command === 'up' && rest.length === 1 && rest[0] === '--check') {
    assertStackStopped(STATE_DIR);
    return 0;
  }
  if (rest.length > 0) throw new StackError(`unexpected arguments: ${rest.join(' ')}; ${USAGE}`);
  switch (command) {
    case 'up':
      return up();
    case 'supervise':
      return supervise();
    case 'down':
      return down();
    case 'status':
      return status();
    default:
      throw new StackError(command ? `unknown command ${JSON.stringify(command)}; ${USAGE}` : USAGE);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const prefix = process.argv[2] ? `kapi ${process.argv[2]}` : 'kapi';
    if (error instanceof StackError && error.details) {
      console.error(error.details.replace(/^/gm, '  | '));
    }
    console.error(`${prefix}: ${describeError(error)}`);
    process.exitCode = 1;
  },
);
