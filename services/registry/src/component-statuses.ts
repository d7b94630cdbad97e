// The answers to GET /api/v1/componentstatuses, probed when asked as kube-apiserver probes: the
// scheduler and the controller manager on their local secure ports (certificates not checked, as
// kube does not), and etcd through the registry's own client, one entry per configured server.
import { request } from 'node:https';
import { notFound, type KubeObject } from '@kapi/api-machinery';
import { componentStatus } from '@kapi/kinds';

/** The probe of one HTTPS health endpoint: its body when it answers 200, why not otherwise. */
export type HttpProbe = (url: string) => Promise<{ healthy: boolean; message: string }>;

const PROBE_TIMEOUT_MS = 5000;

/** Go's net/http error text for the common failures, as kube puts it in the message. */
function goError(url: string, err: NodeJS.ErrnoException): string {
  const { host } = new URL(url);
  const why = err.code === 'ECONNREFUSED' ? `dial tcp ${host}: connect: connection refused` : err.code === 'ETIMEDOUT' ? 'context deadline exceeded' : err.message;
  return `Get ${JSON.stringify(url)}: ${why}`;
}

export const httpsProbe: HttpProbe = (url) =>
  new Promise((resolve) => {
    const req = request(url, { rejectUnauthorized: false, timeout: PROBE_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve(res.statusCode === 200 ? { healthy: true, message: body } : { healthy: false, message: `Get ${JSON.stringify(url)}: HTTP status ${res.statusCode}: ${body}` });
      });
      res.on('error', (err) => resolve({ healthy: false, message: goError(url, err) }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (err) => resolve({ healthy: false, message: goError(url, err) }));
    req.end();
  });

export const SCHEDULER_HEALTHZ = 'https://127.0.0.1:10259/healthz';
export const CONTROLLER_MANAGER_HEALTHZ = 'https://127.0.0.1:10257/healthz';

export class ComponentStatuses {
  constructor(
    private readonly etcdServers: readonly string[],
    private readonly etcdHealthy: () => Promise<void>,
    private readonly probe: HttpProbe = httpsProbe,
  ) {}

  private names(): string[] {
    return ['controller-manager', 'scheduler', ...this.etcdServers.map((_, i) => `etcd-${i}`)];
  }

  private async status(name: string): Promise<KubeObject> {
    if (name === 'scheduler') return componentStatus(name, await this.probe(SCHEDULER_HEALTHZ));
    if (name === 'controller-manager') return componentStatus(name, await this.probe(CONTROLLER_MANAGER_HEALTHZ));
    try {
      await this.etcdHealthy();
      return componentStatus(name, { healthy: true, message: 'ok' });
    } catch (err) {
      return componentStatus(name, { healthy: false, message: err instanceof Error ? err.message : String(err) });
    }
  }

  async get(name: string): Promise<KubeObject> {
    if (!this.names().includes(name)) throw notFound({ group: '', resource: 'componentstatus' }, name);
    return { kind: 'ComponentStatus', apiVersion: 'v1', ...(await this.status(name)) };
  }

  async list(): Promise<KubeObject> {
    const items = await Promise.all(this.names().map((name) => this.status(name)));
    return { kind: 'ComponentStatusList', apiVersion: 'v1', metadata: {}, items };
  }
}
