import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import {
  anonymousAuthenticator,
  AuthenticationFailed,
  serviceAccountTokenAuthenticator,
  unionAuthenticator,
  x509Authenticator,
  type Authenticator,
  type ObjectLookup,
} from '@kapi/authentication';
import type { ServiceConfig } from '@kapi/config';
import { healthService } from '@kapi/grpc';
import { authnV1, registryV1 } from '@kapi/proto';
import { CONFIG, GrpcServerHost, LOGGER } from '@kapi/service-kit';
import type { Logger } from '@kapi/telemetry';
import { createClient, toGrpcHandlers, unary } from '@kapi/grpc';

function readPki(config: ServiceConfig, file: string, what: string): string {
  const path = join(config.pkiDir, file);
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new Error(`${what} ${path} cannot be read (KAPI_PKI_DIR)`);
  }
}

/** The live object a service-account token names, asked of the registry. */
function registryLookup(registry: registryV1.RegistryClient): ObjectLookup {
  const resources = { ServiceAccount: 'serviceaccounts', Secret: 'secrets', Pod: 'pods' } as const;
  return async (kind, namespace, name) => {
    const reply = await unary('registry', 'Get', registry.get.bind(registry), {
      resource: { group: '', version: 'v1', resource: resources[kind], namespace },
      name,
      subresource: '',
      resourceVersion: '',
      query: '',
    });
    if (reply.status.length) {
      const status = JSON.parse(reply.status.toString('utf8')) as { code?: number };
      if (status.code === 404) return undefined;
      throw new Error(`looking up ${kind} ${namespace}/${name} failed: ${reply.status.toString('utf8')}`);
    }
    const obj = JSON.parse(reply.object.toString('utf8')) as { metadata?: { uid?: string } };
    return { uid: obj.metadata?.uid ?? '' };
  };
}

/** The authenticators, in the order kube-apiserver tries them. */
export function buildAuthenticator(config: ServiceConfig, registry: registryV1.RegistryClient): Authenticator {
  return unionAuthenticator([
    x509Authenticator(readPki(config, 'ca.crt', 'client CA')),
    serviceAccountTokenAuthenticator({ publicKeyPem: readPki(config, 'sa.pub', 'service account public key'), lookup: registryLookup(registry) }),
    anonymousAuthenticator,
  ]);
}

@Injectable()
export class AuthnGrpcServer extends GrpcServerHost {
  private readonly authenticator: Authenticator;

  private readonly registry: registryV1.RegistryClient;

  constructor(@Inject(CONFIG) config: ServiceConfig, @Inject(LOGGER) logger: Logger) {
    super(config, logger);
    this.registry = createClient(registryV1.RegistryClient, config.registryAddrs);
    this.authenticator = buildAuthenticator(config, this.registry);
  }

  override async onApplicationShutdown(): Promise<void> {
    await super.onApplicationShutdown();
    this.registry.close();
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
