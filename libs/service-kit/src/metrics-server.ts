// Serves the process's Prometheus metrics on plain HTTP (KAPI_METRICS_LISTEN), for the services that
// have no HTTP port of their own.
import { createServer, type Server } from 'node:http';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { formatHostPort, type HostPort } from '@kapi/config';
import { metrics, PROMETHEUS_CONTENT_TYPE } from '@kapi/telemetry';

export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: Server;

  constructor(private readonly listen: HostPort) {}

  async onApplicationBootstrap(): Promise<void> {
    this.server = createServer((req, res) => {
      if (req.url !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
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
