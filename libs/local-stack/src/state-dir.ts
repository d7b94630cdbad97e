import * as path from 'node:path';

/** The layout of a stack's state directory; everything a stack writes lives below it. */
export interface StatePaths {
  stateDir: string;
  pkiDir: string;
  logsDir: string;
  runDir: string;
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
    etcdDataDir: path.join(root, 'etcd'),
    natsStoreDir: path.join(root, 'nats'),
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
