import * as path from 'node:path';
import {
  StackError,
  assertStackStopped,
  describeError,
  formatStatusTable,
  isStackHealthy,
  resolveTopology,
  stackStatus,
  startStack,
  stopStack,
  topologyOptionsFromEnv,
} from '@kapi/local-stack';

/** deploy/dist/cli.js lives two levels below the repository root. */
const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** `.kapi/` in the repository; KAPI_STATE_DIR puts a second stack (a test's, say) elsewhere. */
const STATE_DIR = process.env.KAPI_STATE_DIR ? path.resolve(process.env.KAPI_STATE_DIR) : path.join(REPO_ROOT, '.kapi');
const USAGE = 'usage: npm run up | npm run down | npm run status';

async function up(): Promise<number> {
  const interrupted = stopOnInterrupt();
  const stack = await startStack({
    ...topologyOptionsFromEnv(process.env),
    stateDir: STATE_DIR,
    repoRoot: REPO_ROOT,
    detached: true,
    onProgress: (message) => console.log(message),
  });
  interrupted.dispose();
  console.log(`kapi is up: kubectl --kubeconfig ${displayPath(stack.kubeconfigPath)} get ns`);
  return 0;
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
 * Processes are detached so they outlive this command; a Ctrl-C during `up`
 * must therefore stop them explicitly, or a half-started stack would linger.
 * Every process has its pid file from the moment it is spawned, so stopping by
 * pid files catches all of them.
 */
function stopOnInterrupt(): { dispose(): void } {
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`kapi up: interrupted by ${signal}, stopping what was started`);
    void stopStack(STATE_DIR).finally(() => process.exit(130));
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
