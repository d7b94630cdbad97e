import * as fs from 'node:fs';
import * as path from 'node:path';
import { requireBinary } from './binaries';
import { httpGet, waitForHttpsUrl, type TlsClientMaterial } from './network';
import { ManagedProcess, StopOptions, StopOutcome, spawnManaged } from './processes';
import { awaitReadiness } from './readiness';

export interface EtcdOptions {
  dataDir: string;
  clientPort: number;
  peerPort: number;
  host?: string;
  /** Defaults to `<dataDir>.log`. */
  logFile?: string;
  runDir?: string;
  instance?: string;
  /** See SpawnOptions.detached; standalone use defaults to attached. */
  detached?: boolean;
  readyTimeoutMs?: number;
  /** Serve clients over TLS only, and only those with a certificate from `clientCaFile` (as kubeadm's etcd does). */
  tls?: EtcdServerTls;
}

export interface EtcdServerTls {
  certFile: string;
  keyFile: string;
  clientCaFile: string;
  /** What the readiness probe presents and trusts. */
  probe: TlsClientMaterial;
}

export interface EtcdHandle {
  /** Client URLs, ready to pass as KAPI_ETCD_ENDPOINTS. */
  endpoints: string[];
  process: ManagedProcess;
  stop(options?: StopOptions): Promise<StopOutcome>;
}

/** etcd 3.4 only runs on architectures it was not built for when told so explicitly. */
const GO_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ppc64: 'ppc64le', s390x: 's390x', arm: 'arm', ia32: '386' };

export function etcdArguments(options: { dataDir: string; clientPort: number; peerPort: number; host: string; name: string; tls?: EtcdServerTls }): string[] {
  const clientUrl = `${options.tls ? 'https' : 'http'}://${options.host}:${options.clientPort}`;
  const peerUrl = `http://${options.host}:${options.peerPort}`;
  const tls = options.tls
    ? ['--cert-file', options.tls.certFile, '--key-file', options.tls.keyFile, '--trusted-ca-file', options.tls.clientCaFile, '--client-cert-auth']
    : [];
  return [
    ...tls,
    '--name', options.name,
    '--data-dir', options.dataDir,
    '--listen-client-urls', clientUrl,
    '--advertise-client-urls', clientUrl,
    '--listen-peer-urls', peerUrl,
    '--initial-advertise-peer-urls', peerUrl,
    '--initial-cluster', `${options.name}=${peerUrl}`,
    '--initial-cluster-state', 'new',
    '--logger', 'zap',
    '--log-outputs', 'stderr',
  ];
}

export function etcdEnvironment(base: NodeJS.ProcessEnv = process.env, arch: string = process.arch): NodeJS.ProcessEnv {
  const goArch = GO_ARCH[arch] ?? arch;
  return goArch === 'amd64' ? { ...base } : { ...base, ETCD_UNSUPPORTED_ARCH: goArch };
}

/** Starts a single-member etcd and resolves once GET /health reports healthy. */
export async function startEtcd(options: EtcdOptions): Promise<EtcdHandle> {
  const binary = requireBinary('etcd');
  const host = options.host ?? '127.0.0.1';
  const instance = options.instance ?? 'etcd';
  fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const logFile = options.logFile ?? `${options.dataDir.replace(/\/+$/, '')}.log`;
  const etcd = spawnManaged({
    instance,
    command: binary,
    args: etcdArguments({ dataDir: path.resolve(options.dataDir), clientPort: options.clientPort, peerPort: options.peerPort, host, name: 'default', tls: options.tls }),
    env: etcdEnvironment(),
    cwd: path.dirname(path.resolve(options.dataDir)),
    logFile,
    runDir: options.runDir,
    detached: options.detached ?? false,
  });
  const endpoint = `${options.tls ? 'https' : 'http'}://${host}:${options.clientPort}`;
  await awaitReadiness(etcd, (signal) =>
    waitForHttpsUrl(`${endpoint}/health`, { timeoutMs: options.readyTimeoutMs ?? 30_000, label: instance, signal, tls: options.tls?.probe }),
  );
  return { endpoints: [endpoint], process: etcd, stop: (stopOptions) => etcd.stop(stopOptions) };
}

/** Healthy when etcd's /health endpoint says so; the detail explains anything else. */
export async function checkEtcdHealth(endpoint: string): Promise<{ healthy: boolean; detail: string }> {
  try {
    const response = await httpGet(`${endpoint}/health`, { timeoutMs: 2000 });
    const healthy = response.status === 200 && /"health"\s*:\s*"true"/.test(response.body);
    return { healthy, detail: healthy ? 'healthy' : `HTTP ${response.status}` };
  } catch (error) {
    return { healthy: false, detail: (error as Error).message };
  }
}
