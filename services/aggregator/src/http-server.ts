// The front door's HTTPS listener. Client certificates are requested but not required at the TLS
// layer, so that a bad or missing certificate becomes a 401 Status from the authn service rather
// than a failed handshake.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { loadAuthnConfig, type ServiceConfig } from '@kapi/config';
import { KindCatalogue } from '@kapi/kinds';
import { CONFIG, LOGGER } from '@kapi/service-kit';
import type { Logger } from '@kapi/telemetry';
import { Backends } from './backends.js';
import { HealthEndpoints } from './health.js';
import { issuerDocuments } from './issuer-discovery.js';
import { RequestHandler } from './request-handler.js';

function readPki(dir: string, file: string): Buffer {
  const path = join(dir, file);
  try {
    return readFileSync(path);
  } catch {
    throw new Error(`${path} cannot be read (KAPI_PKI_DIR)`);
  }
}

@Injectable()
export class HttpsFrontDoor implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: Server;
  readonly health: HealthEndpoints;

  constructor(
    @Inject(CONFIG) private readonly config: ServiceConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly backends: Backends,
  ) {
    this.health = new HealthEndpoints(backends);
  }

  async onApplicationBootstrap(): Promise<void> {
    const { pkiDir, listen } = this.config;
    const handler = new RequestHandler(
      this.backends,
      new KindCatalogue(),
      this.health,
      this.logger,
      `${this.config.advertiseAddress || listen.host}:${listen.port}`,
      issuerDocuments(loadAuthnConfig(pkiDir).serviceAccountKeyFiles),
    );
    this.server = createServer(
      {
        cert: readPki(pkiDir, 'apiserver.crt'),
        key: readPki(pkiDir, 'apiserver.key'),
        ca: readPki(pkiDir, 'ca.crt'),
        requestCert: true,
        rejectUnauthorized: false,
      },
      (req, res) => handler.handle(req, res),
    );
    this.server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', (err) => reject(new Error(`cannot listen on ${listen.host}:${listen.port}: ${err.message}`)));
      this.server!.listen(listen.port, listen.host, () => resolve());
    });
  }

  async onApplicationShutdown(): Promise<void> {
    // Turn unready first so the load balancer stops sending new requests here.
    this.health.shuttingDown = true;
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
