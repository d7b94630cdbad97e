// The command line of `npm run loadtest`: a profile sets rates and sizes, flags override them.
import { parseArgs } from 'node:util';
import { parseDuration as parseGoDuration } from '@kapi/api-machinery';

export type KillMode = 'local' | 'kubernetes' | 'none';

export interface Profile {
  durationMs: number;
  writers: number;
  watchers: number;
  objectSizeBytes: number;
  /** Pause of a writer between two operations, in ms: what sets the offered rate. */
  pauseMs: [number, number];
}

/**
 * smoke: a short run that kills everything once, for a first look or a test (a minute or so);
 * default: two minutes, a steady load a laptop keeps up with; heavy: writers that never pause, big
 * objects, many watchers, for a machine with cores to spare.
 */
export const PROFILES: Readonly<Record<string, Profile>> = {
  smoke: { durationMs: 30_000, writers: 4, watchers: 3, objectSizeBytes: 256, pauseMs: [20, 60] },
  default: { durationMs: 120_000, writers: 8, watchers: 6, objectSizeBytes: 1024, pauseMs: [0, 30] },
  heavy: { durationMs: 300_000, writers: 24, watchers: 12, objectSizeBytes: 8192, pauseMs: [0, 0] },
};

export interface LoadtestOptions extends Profile {
  kubeconfig: string;
  context?: string;
  profile: string;
  kill: KillMode;
  /** The state directory of the `npm run up` stack: its process records and etcd's address. */
  stateDir: string;
  /** etcd's client URL, read directly for the integrity checks; from the state directory when not given. */
  etcd?: string;
  reportDir: string;
  namespace: string;
  /** --kill kubernetes: the cluster's kubeconfig (not kapi's), the Helm release and its namespace. */
  clusterKubeconfig?: string;
  release: string;
  releaseNamespace: string;
  /** --kill kubernetes: after the kills, a rolling `helm upgrade` of the release with this chart. */
  helmUpgrade?: string;
  /** The helm program for --helm-upgrade. */
  helm: string;
  /** --kill local: after the kills, every process of every service restarted in turn (SIGTERM). */
  rollingRestart: boolean;
  seed?: number;
}

export const USAGE = `usage: npm run loadtest -- --kubeconfig FILE [--profile smoke|default|heavy] [--duration 2m]
       [--writers N] [--watchers N] [--object-size BYTES] [--kill local|kubernetes|none] [--state-dir .kapi [--rolling-restart]]
       [--cluster-kubeconfig FILE --release kapi --release-namespace default [--helm-upgrade CHART] [--helm PATH]] [--etcd http://HOST:PORT] [--report-dir DIR] [--namespace NAME] [--context NAME] [--seed N]`;

/** A Go duration as kubectl's flags take them (90s, 2m, 1m30s); a bare number is seconds. */
export function parseDuration(text: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  try {
    return parseGoDuration(text);
  } catch (err) {
    throw new Error(`--duration ${text}: ${(err as Error).message}; expected e.g. 90s, 2m or 1m30s`);
  }
}

function positiveInteger(flag: string, text: string | undefined, min = 1): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${flag} ${text}: expected an integer of at least ${min}`);
  return n;
}

export function parseOptions(argv: string[], now = new Date(), env: NodeJS.ProcessEnv = process.env): LoadtestOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      profile: { type: 'string', default: 'default' },
      duration: { type: 'string' },
      writers: { type: 'string' },
      watchers: { type: 'string' },
      'object-size': { type: 'string' },
      kill: { type: 'string', default: 'none' },
      'state-dir': { type: 'string', default: env.KAPI_STATE_DIR || '.kapi' },
      etcd: { type: 'string' },
      'report-dir': { type: 'string' },
      namespace: { type: 'string' },
      seed: { type: 'string' },
      'cluster-kubeconfig': { type: 'string' },
      release: { type: 'string', default: 'kapi' },
      'release-namespace': { type: 'string', default: 'default' },
      'helm-upgrade': { type: 'string' },
      helm: { type: 'string', default: env.KAPI_HELM || 'helm' },
      'rolling-restart': { type: 'boolean', default: false },
    },
  });
  if (positionals.length) throw new Error(`unexpected arguments: ${positionals.join(' ')}`);
  if (!values.kubeconfig) throw new Error('--kubeconfig is required');
  const profile = PROFILES[values.profile];
  if (!profile) throw new Error(`--profile ${values.profile}: expected one of ${Object.keys(PROFILES).join(', ')}`);
  if (values.kill !== 'local' && values.kill !== 'kubernetes' && values.kill !== 'none') throw new Error(`--kill ${values.kill}: expected local, kubernetes or none`);
  if (values.kill === 'kubernetes' && !values['cluster-kubeconfig']) throw new Error("--kill kubernetes needs --cluster-kubeconfig: the cluster's kubeconfig, which may delete the release's pods");
  if (values['helm-upgrade'] !== undefined && values.kill !== 'kubernetes') throw new Error('--helm-upgrade upgrades a Helm release: it goes with --kill kubernetes');
  if (values['rolling-restart'] && values.kill !== 'local') throw new Error('--rolling-restart restarts the processes of a local stack: it goes with --kill local (--helm-upgrade is its counterpart for a Helm install)');
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'z').toLowerCase();
  const durationMs = values.duration === undefined ? profile.durationMs : parseDuration(values.duration);
  if (durationMs < 5000) throw new Error(`--duration ${values.duration}: at least 5s`);
  return {
    ...profile,
    durationMs,
    writers: positiveInteger('writers', values.writers) ?? profile.writers,
    watchers: positiveInteger('watchers', values.watchers, 0) ?? profile.watchers,
    objectSizeBytes: positiveInteger('object-size', values['object-size'], 0) ?? profile.objectSizeBytes,
    kubeconfig: values.kubeconfig,
    context: values.context,
    profile: values.profile,
    kill: values.kill,
    stateDir: values['state-dir'],
    etcd: values.etcd,
    reportDir: values['report-dir'] ?? `loadtest-report-${stamp}`,
    namespace: values.namespace ?? `loadtest-${stamp}`,
    seed: positiveInteger('seed', values.seed, 0),
    clusterKubeconfig: values['cluster-kubeconfig'],
    release: values.release,
    releaseNamespace: values['release-namespace'],
    helmUpgrade: values['helm-upgrade'],
    helm: values.helm,
    rollingRestart: values['rolling-restart'] ?? false,
  };
}
