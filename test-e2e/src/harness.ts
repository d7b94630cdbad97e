// Starts a whole kapi stack for a test file (its own state dir, free ports and loopback addresses,
// so it never meets a stack started with `npm run up`) and drives the machine's real kubectl.
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { request as httpsRequest } from 'node:https';
import { ServiceCredentials, type Identity } from '@kapi/grpc';
import { findRepoRoot, startStack, withFreePorts, type ServiceName, type StackHandle } from '@kapi/local-stack';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestStack {
  handle: StackHandle;
  kubectl(args: string[], options?: { input?: string; env?: NodeJS.ProcessEnv; binary?: string }): Promise<KubectlResult>;
  /** Starts a long-running kubectl (e.g. a watch) and collects its output. */
  kubectlStream(args: string[], options?: { binary?: string }): { child: ChildProcessWithoutNullStreams; output: () => string; waitFor(re: RegExp, timeoutMs?: number): Promise<string> };
  traceSpans(): SpanLine[];
  stop(): Promise<void>;
}

export interface SpanLine {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  service: string;
  instance: string;
  attributes: Record<string, unknown>;
}

export const KUBECTL = process.env.KAPI_KUBECTL || 'kubectl';

/** deploy/scripts/install-chart-tools.sh (run by `npm test`) puts helm in /usr/local/bin. */
export function helmBinary(): string {
  for (const dir of ['/usr/local/bin', ...(process.env.PATH ?? '').split(delimiter)]) {
    if (dir && existsSync(join(dir, 'helm'))) return join(dir, 'helm');
  }
  throw new Error('helm is not installed; run bash deploy/scripts/install-chart-tools.sh');
}

/** Writes a chart named `name` under `parent`: its Chart.yaml and the files given by path (templates/…, crds/…). Returns its directory. */
export function writeChart(parent: string, name: string, files: Record<string, string>): string {
  const chart = join(parent, name);
  mkdirSync(chart, { recursive: true });
  writeFileSync(join(chart, 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(chart, path)), { recursive: true });
    writeFileSync(join(chart, path), content);
  }
  return chart;
}

/** Runs the real helm against the stack; its own state and its discovery cache stay in `dir`. */
export function helmAgainst(stack: TestStack, dir: string): (args: string[]) => Promise<string> {
  const env = { ...process.env, HELM_CACHE_HOME: join(dir, 'cache'), HELM_CONFIG_HOME: join(dir, 'config'), HELM_DATA_HOME: join(dir, 'data'), KUBECACHEDIR: join(dir, 'kube-cache') };
  return (args) =>
    new Promise<string>((resolve, reject) => {
      execFile(helmBinary(), [...args, '--kubeconfig', stack.handle.kubeconfigPath], { env, timeout: 120_000 }, (error, stdout, stderr) =>
        error ? reject(new Error(`helm ${args.join(' ')}: ${stderr || error.message}`)) : resolve(stdout),
      );
    });
}

export async function startTestStack(
  options: {
    aggregatorReplicas?: number;
    replicas?: Partial<Record<ServiceName, number>>;
    env?: NodeJS.ProcessEnv;
    /** Also run the example admission webhook (examples/owner-webhook) and register it, as KAPI_EXAMPLE_WEBHOOK=true does. */
    exampleWebhook?: boolean;
    /** Restart every process that exits, as `npm run up`'s supervisor does (this test process is then the supervisor). */
    supervise?: boolean;
  } = {},
): Promise<TestStack> {
  const stateDir = mkdtempSync(join(tmpdir(), 'kapi-e2e-'));
  let handle: StackHandle;
  try {
    handle = await startStack(
      await withFreePorts({
        stateDir,
        detached: false,
        replicas: { aggregator: options.aggregatorReplicas ?? 2, ...options.replicas },
        env: { ...process.env, ...options.env },
        exampleWebhook: options.exampleWebhook,
        ...(options.supervise ? { supervise: {} } : {}),
      }),
    );
  } catch (err) {
    rmSync(stateDir, { recursive: true, force: true });
    throw err;
  }
  const kubeconfig = handle.kubeconfigPath;
  // kubectl caches discovery for hours per server address in ~/.kube/cache; a later stack on a
  // reused port would read an earlier stack's resources. Each stack gets a cache of its own.
  const kubectlFlags = ['--kubeconfig', kubeconfig, '--cache-dir', join(stateDir, 'kubectl-cache')];
  return {
    handle,
    kubectl: (args, opts = {}) =>
      new Promise((resolve) => {
        const child = execFile(
          opts.binary ?? KUBECTL,
          [...kubectlFlags, ...args],
          { env: { ...process.env, ...opts.env }, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
          (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
        if (opts.input !== undefined) child.stdin?.end(opts.input);
      }),
    kubectlStream: (args, opts = {}) => {
      const child = spawn(opts.binary ?? KUBECTL, [...kubectlFlags, ...args]);
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      return {
        child,
        output: () => out,
        waitFor: (re, timeoutMs = 20_000) =>
          new Promise((resolve, reject) => {
            const started = Date.now();
            const poll = setInterval(() => {
              const m = out.match(re);
              if (m) {
                clearInterval(poll);
                resolve(m[0]);
              } else if (Date.now() - started > timeoutMs) {
                clearInterval(poll);
                reject(new Error(`kubectl ${args.join(' ')} did not print ${re} within ${timeoutMs} ms; it printed:\n${out}`));
              }
            }, 50);
          }),
      };
    },
    traceSpans: () => {
      const logs = join(stateDir, 'logs');
      if (!existsSync(logs)) return [];
      return readdirSync(logs)
        .filter((f) => f.endsWith('.traces.jsonl'))
        .flatMap((f) =>
          readFileSync(join(logs, f), 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as SpanLine),
        );
    },
    stop: async () => {
      await handle.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/**
 * The credentials of one identity of the stack's services PKI (the operator's unless another is
 * named), for a test that talks gRPC to a service directly: `createClient(…, credentials.channelTo(service), service)`.
 */
export function credentialsOf(stack: TestStack, identity: Identity = 'operator'): ServiceCredentials {
  const pki = stack.handle.pki;
  return ServiceCredentials.fromFiles({ caFile: pki.servicesCaCert, certFile: pki.identities[identity].cert, keyFile: pki.identities[identity].key });
}

/**
 * A kubeconfig for the stack with no credentials of its own, written into the stack's state dir: for
 * `kubectl --kubeconfig <it> --token=…`, a user who is not the admin.
 */
export function userlessKubeconfig(stack: TestStack): string {
  const file = join(stack.handle.stateDir, 'userless.kubeconfig');
  const ca = readFileSync(stack.handle.pki.caCert).toString('base64');
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{ name: kapi, cluster: { server: ${JSON.stringify(stack.handle.serverUrl)}, certificate-authority-data: ${ca} } }]`,
      'users: [{ name: nobody, user: {} }]',
      'contexts: [{ name: kapi, context: { cluster: kapi, user: nobody } }]',
      'current-context: kapi',
      '',
    ].join('\n'),
  );
  return file;
}

/** A raw HTTPS request to the stack as the admin user, through the load balancer unless `server` names a front door. */
export function apiRequest(
  stack: TestStack,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  server = stack.handle.serverUrl,
): Promise<{ code: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(path, server);
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method,
        ca: stack.handle.tls.ca,
        cert: stack.handle.tls.cert,
        key: stack.handle.tls.key,
        headers: { ...(payload ? { 'Content-Type': 'application/json' } : {}), ...headers },
      },
      (res) => {
        let data = '';
        res.on('data', (d) => (data += d));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, headers: res.headers, body: data }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** A GET without a client certificate: anonymous, or as the bearer of `token` when given one. */
export function anonymousGet(stack: TestStack, path: string, token?: string): Promise<{ code: number; body: string }> {
  const url = new URL(path, stack.handle.serverUrl);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca: stack.handle.tls.ca, method: 'GET', headers: token ? { Authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

export interface WatchEventLine {
  type: string;
  object: { kind?: string; code?: number; message?: string; reason?: string; metadata?: { name?: string; resourceVersion?: string; annotations?: Record<string, string> } };
}

/** Opens a raw watch (through the load balancer unless `server` names a front door) and collects its events until `until` says stop or the time runs out. */
export function collectWatch(
  stack: TestStack,
  path: string,
  until: (events: WatchEventLine[]) => boolean,
  timeoutMs = 20_000,
  server = stack.handle.serverUrl,
): Promise<WatchEventLine[]> {
  const url = new URL(path, server);
  return new Promise((resolve, reject) => {
    const events: WatchEventLine[] = [];
    let buffered = '';
    const req = httpsRequest(url, { ca: stack.handle.tls.ca, cert: stack.handle.tls.cert, key: stack.handle.tls.key }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (line.trim()) events.push(JSON.parse(line) as WatchEventLine);
        }
        if (until(events)) finish();
      });
      res.on('end', finish);
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`watch ${path} timed out with events: ${JSON.stringify(events.map((e) => e.type))}`));
    }, timeoutMs);
    function finish() {
      clearTimeout(timer);
      req.destroy();
      resolve(events);
    }
    req.on('error', (err) => {
      if (!req.destroyed) reject(err);
    });
    req.end();
  });
}

/** Retries an assertion until it holds, for effects that settle asynchronously (no timing is asserted). */
export async function eventually(check: () => Promise<void> | void, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() - started > timeoutMs) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** The line `kubectl api-resources` prints for a resource: NAME SHORTNAMES APIVERSION NAMESPACED KIND. */
export function apiResourceLine([name, short, version, namespaced, kind]: [string, string, string, string, string]): RegExp {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(`\\n${escape(name)}\\s+${short ? `${escape(short)}\\s+` : ''}${escape(version)}\\s+${namespaced}\\s+${escape(kind)}\\n`);
}

/**
 * Builds the Go program in test-e2e/go/<name> with the machine's Go and returns its path. The first
 * build downloads its modules from the Go module proxy; later ones come from Go's caches.
 */
export function buildGoProgram(name: string): Promise<string> {
  const binary = join(findRepoRoot(), 'test-e2e', 'dist', 'go', name);
  return new Promise((resolve, reject) => {
    execFile('go', ['build', '-o', binary, '.'], { cwd: join(findRepoRoot(), 'test-e2e', 'go', name), timeout: 540_000, env: { ...process.env, GOFLAGS: '-mod=readonly' } }, (error) =>
      error ? reject(error) : resolve(binary),
    );
  });
}
