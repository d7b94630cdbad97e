import * as fs from 'node:fs';
import * as path from 'node:path';

/** The layout of a stack's state directory; everything a stack writes lives below it. */
export interface StatePaths {
  stateDir: string;
  pkiDir: string;
  logsDir: string;
  runDir: string;
  /** Everything that must survive a down/up cycle: etcd's data and NATS JetStream's store. */
  dataDir: string;
  etcdDataDir: string;
  natsStoreDir: string;
  natsConfigFile: string;
  haproxyConfigFile: string;
  kubeconfigFile: string;
  /** The topology the running stack was started with, so status and down need no configuration. */
  topologyFile: string;
}

export function statePaths(stateDir: string): StatePaths {
  const root = path.resolve(stateDir);
  return {
    stateDir: root,
    pkiDir: path.join(root, 'pki'),
    logsDir: path.join(root, 'logs'),
    runDir: path.join(root, 'run'),
    dataDir: path.join(root, 'data'),
    etcdDataDir: path.join(root, 'data', 'etcd'),
    natsStoreDir: path.join(root, 'data', 'nats'),
    natsConfigFile: path.join(root, 'nats', 'nats-server.conf'),
    haproxyConfigFile: path.join(root, 'haproxy', 'haproxy.cfg'),
    kubeconfigFile: path.join(root, 'admin.kubeconfig'),
    topologyFile: path.join(root, 'run', 'topology.json'),
  };
}

export function logFileOf(paths: StatePaths, instance: string): string {
  return path.join(paths.logsDir, `${instance}.log`);
}

export function traceFileOf(paths: StatePaths, instance: string): string {
  return path.join(paths.logsDir, `${instance}.traces.jsonl`);
}

/**
 * Stacks started before the data moved under `data/` kept etcd's data in `etcd/` and JetStream's
 * store in `nats/jetstream/`; both move into place once, so an upgrade loses nothing.
 */
export function moveLegacyData(paths: StatePaths): void {
  if (fs.existsSync(paths.dataDir)) return;
  const legacy = [
    { from: path.join(paths.stateDir, 'etcd'), to: paths.etcdDataDir },
    { from: path.join(paths.stateDir, 'nats', 'jetstream'), to: path.join(paths.natsStoreDir, 'jetstream') },
  ].filter((move) => fs.existsSync(move.from));
  if (legacy.length === 0) return;
  for (const move of legacy) {
    fs.mkdirSync(path.dirname(move.to), { recursive: true, mode: 0o700 });
    fs.renameSync(move.from, move.to);
  }
}
