// The front door's HTTPS listener. Client certificates are requested but not required at the TLS
// layer, so that a bad or missing certificate becomes a 401 Status from the authn service rather
// than a failed handshake.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { loadAuthnConfig, type ServiceConfig } from '@kapi/config';
import { MaxInFlightLimiter } from '@kapi/apiserver';
import { KindCatalogue } from '@kapi/kinds';
import { CONFIG, LOGGER } from '@kapi/service-kit';
import type { Logger } from '@kapi/telemetry';
import { Backends } from './backends.js';
import { HealthEndpoints } from './health.js';
import { issuerDocuments } from './issuer-discovery.js';
import { RequestHandler } from './request-handler.js';

const MAX_HEADER_BYTES = (1 << 20) + 4096;

/**
 * A request that cannot even be parsed gets what Go's http.Server answers kube-apiserver's clients:
 * 431 for headers past the limit, 400 for anything else, in plain text, and the connection closed.
 */
function answerMalformedRequest(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || (err as { bytesParsed?: number }).bytesParsed === undefined) {
    socket.destroy();
    return;
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${status}`);
}

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
      new MaxInFlightLimiter({ readOnly: this.config.maxRequestsInflight, mutating: this.config.maxMutatingRequestsInflight }),
      issuerDocuments(loadAuthnConfig(pkiDir).serviceAccountKeyFiles),
    );
    this.server = createServer(
      {
        cert: readPki(pkiDir, 'apiserver.crt'),
        key: readPki(pkiDir, 'apiserver.key'),
        ca: readPki(pkiDir, 'ca.crt'),
        requestCert: true,
        rejectUnauthorized: false,
        // Go's http.Server reads up to 1 MiB of headers (DefaultMaxHeaderBytes, plus 4 KiB of slack),
        // so a query string that long (a label selector of thousands of requirements) is served.
        maxHeaderSize: MAX_HEADER_BYTES,
      },
      (req, res) => handler.handle(req, res),
    );
    this.server.on('clientError', answerMalformedRequest);
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
