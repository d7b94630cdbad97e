import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { anonymousAuthenticator, AuthenticationFailed, unionAuthenticator, x509Authenticator, type Authenticator } from '@kapi/authentication';
import type { ServiceConfig } from '@kapi/config';
import { healthService } from '@kapi/grpc';
import { authnV1 } from '@kapi/proto';
import { CONFIG, GrpcServerHost, LOGGER } from '@kapi/service-kit';
import type { Logger } from '@kapi/telemetry';
import { toGrpcHandlers } from '@kapi/grpc';

/** The authenticators, in the order kube-apiserver tries them. */
export function buildAuthenticator(config: ServiceConfig): Authenticator {
  const caFile = join(config.pkiDir, 'ca.crt');
  let caPem: string;
  try {
    caPem = readFileSync(caFile, 'utf8');
  } catch {
    throw new Error(`client CA ${caFile} cannot be read (KAPI_PKI_DIR)`);
  }
  return unionAuthenticator([x509Authenticator(caPem), anonymousAuthenticator]);
}

@Injectable()
export class AuthnGrpcServer extends GrpcServerHost {
  private readonly authenticator: Authenticator;

  constructor(@Inject(CONFIG) config: ServiceConfig, @Inject(LOGGER) logger: Logger) {
    super(config, logger);
    this.authenticator = buildAuthenticator(config);
  }

  async authenticate(req: authnV1.AuthenticateRequest): Promise<authnV1.AuthenticateReply> {
    try {
      const result = await this.authenticator.authenticate({ clientCertificates: req.clientCertificates, bearerToken: req.bearerToken });
      if (!result.ok) return { authenticated: false, error: 'no credentials', user: undefined };
      return { authenticated: true, user: result.user, error: '' };
    } catch (err) {
      if (err instanceof AuthenticationFailed) {
        this.logger.info('authentication failed', { authenticator: err.authenticator, reason: err.message });
        return { authenticated: false, error: err.message, user: undefined };
      }
      throw err;
    }
  }

  protected services() {
    return [
      {
        definition: authnV1.AuthenticationService,
        handlers: toGrpcHandlers(authnV1.AuthenticationService, { authenticate: (req) => this.authenticate(req) }, this.logger),
      },
      healthService('authn', []),
    ];
  }
}
