// Serves the process's Prometheus metrics on plain HTTP (KAPI_METRICS_LISTEN), for the services that
// have no HTTP port of their own, and beside them its readiness (/readyz: the checks its gRPC Health
// service answers, one line each as kube-apiserver's /readyz?verbose writes them) and /livez.
import { createServer, type ServerResponse, type Server } from 'node:http';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { formatHostPort, type HostPort } from '@kapi/config';
import { runHealthChecks } from '@kapi/grpc';
import { metrics, PROMETHEUS_CONTENT_TYPE } from '@kapi/telemetry';

async function readyz(res: ServerResponse): Promise<void> {
  const report = await runHealthChecks();
  const lines = report.checks.map((c) => (c.ok ? `[+]${c.name} ok` : `[-]${c.name} failed: ${c.message}`));
  const body = `${[...lines, `readyz check ${report.ready ? 'passed' : 'failed'}`].join('\n')}\n`;
  res.writeHead(report.ready ? 200 : 500, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) }).end(body);
}

export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: Server;

  constructor(private readonly listen: HostPort) {}

  async onApplicationBootstrap(): Promise<void> {
    this.server = createServer((req, res) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(404).end();
        return;
      }
      if (req.url === '/readyz') {
        void readyz(res).catch(() => res.writeHead(500).end());
        return;
      }
      if (req.url === '/livez') {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('ok');
        return;
      }
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      const body = metrics.render();
      res.writeHead(200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(body) }).end(body);
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', (err) => reject(new Error(`cannot serve metrics on ${formatHostPort(this.listen)}: ${err.message}`)));
      this.server!.listen(this.listen.port, this.listen.host, () => resolve());
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
