import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import {
  anonymousAuthenticator,
  AuthenticationFailed,
  authenticatorFunc,
  bootstrapTokenAuthenticator,
  DEFAULT_ISSUER,
  httpsJson,
  oidcAuthenticator,
  publicKeysFromPem,
  serviceAccountTokenAuthenticator,
  tokenFileAuthenticator,
  unionAuthenticator,
  webhookTokenAuthenticator,
  x509Authenticator,
  type Authenticator,
  type LiveObject,
  type ObjectLookup,
} from '@kapi/authentication';
import { loadAuthnConfig, type AuthnConfig, type ServiceConfig } from '@kapi/config';
import { healthService } from '@kapi/grpc';
import { authnV1, registryV1 } from '@kapi/proto';
import { webhookFromKubeconfig } from '@kapi/webhook-client';
import { CONFIG, CREDENTIALS, GrpcServerHost, LOGGER } from '@kapi/service-kit';
import type { Logger } from '@kapi/telemetry';
import { createClient, toGrpcHandlers, unary, type ServiceCredentials } from '@kapi/grpc';

function readFile(path: string, what: string, variable: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new Error(`${what} ${path} cannot be read (${variable})`);
  }
}

const readPki = (config: ServiceConfig, file: string, what: string) => readFile(join(config.pkiDir, file), what, 'KAPI_PKI_DIR');

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
      context: undefined,
    });
    if (reply.status.length) {
      const status = JSON.parse(reply.status.toString('utf8')) as { code?: number };
      if (status.code === 404) return undefined;
      throw new Error(`looking up ${kind} ${namespace}/${name} failed: ${reply.status.toString('utf8')}`);
    }
    const obj = JSON.parse(reply.object.toString('utf8')) as { metadata?: { uid?: string; deletionTimestamp?: string }; type?: string; data?: Record<string, string> };
    const live: LiveObject = { uid: obj.metadata?.uid ?? '', deletionTimestamp: obj.metadata?.deletionTimestamp };
    // Bootstrap tokens are Secrets: their authenticator reads the type and data.
    if (kind === 'Secret') Object.assign(live, { type: obj.type, data: obj.data ?? {} });
    return live;
  };
}

/** Webhook token authentication when KAPI_AUTHENTICATION_TOKEN_WEBHOOK_CONFIG_FILE is set; otherwise nothing is its. */
function tokenWebhook(config: ServiceConfig): Authenticator {
  const { authenticationTokenWebhookConfigFile: file, authenticationTokenWebhookCacheTtlMs: ttlMs } = config.authWebhooks;
  if (!file) return authenticatorFunc('webhook-token', async () => ({ ok: false }));
  return webhookTokenAuthenticator({ post: webhookFromKubeconfig(file), audiences: [DEFAULT_ISSUER], ttlMs });
}

/** The authenticators, in the order kube-apiserver tries them. */
export function buildAuthenticator(config: ServiceConfig, registry: registryV1.RegistryClient, logger?: Logger, authn: AuthnConfig = loadAuthnConfig(config.pkiDir)): Authenticator {
  const saKeys = authn.serviceAccountKeyFiles.map((f) => {
    const pem = readFile(f, 'service account key', 'KAPI_SERVICE_ACCOUNT_KEY_FILES');
    // As kube-apiserver refuses a --service-account-key-file without keys.
    if (publicKeysFromPem(pem).length === 0) throw new Error(`failed to parse key file "${f}": data does not contain any valid RSA or ECDSA public keys (KAPI_SERVICE_ACCOUNT_KEY_FILES)`);
    return pem;
  });
  const oidc = authn.oidc;
  return unionAuthenticator(
    [
      x509Authenticator(readPki(config, 'ca.crt', 'client CA')),
      ...(authn.tokenAuthFile ? [tokenFileAuthenticator(authn.tokenAuthFile)] : []),
      serviceAccountTokenAuthenticator({ verificationKeysPem: saKeys, lookup: registryLookup(registry) }),
      ...(authn.bootstrapTokenAuth ? [bootstrapTokenAuthenticator({ lookup: registryLookup(registry), log: (message) => logger?.info(message) })] : []),
      ...(oidc ? [oidcAuthenticator({ ...oidc, fetchJson: httpsJson(oidc.caFile ? readFile(oidc.caFile, 'OIDC CA', 'KAPI_OIDC_CA_FILE') : undefined) })] : []),
      tokenWebhook(config),
      ...(authn.anonymousAuth ? [anonymousAuthenticator] : []),
    ],
    [DEFAULT_ISSUER],
  );
}

@Injectable()
export class AuthnGrpcServer extends GrpcServerHost {
  private readonly authenticator: Authenticator;

  private readonly registry: registryV1.RegistryClient;

  constructor(@Inject(CONFIG) config: ServiceConfig, @Inject(LOGGER) logger: Logger, @Inject(CREDENTIALS) credentials: ServiceCredentials) {
    super(config, logger, credentials);
    this.registry = createClient(registryV1.RegistryClient, config.registryAddrs, credentials.channelTo('registry'), 'registry');
    this.authenticator = buildAuthenticator(config, this.registry, logger);
  }

  override async onApplicationShutdown(): Promise<void> {
    await super.onApplicationShutdown();
    this.registry.close();
  }

  async authenticate(req: authnV1.AuthenticateRequest): Promise<authnV1.AuthenticateReply> {
    try {
      const result = await this.authenticator.authenticate({ clientCertificates: req.clientCertificates, bearerToken: req.bearerToken, audiences: req.audiences });
      // kube's bearer-token authenticator: a token nobody recognised is an invalid one.
      if (!result.ok) return { authenticated: false, error: req.bearerToken ? 'invalid bearer token' : 'no credentials', user: undefined, audiences: [] };
      return { authenticated: true, user: result.user, error: '', audiences: result.audiences ?? [] };
    } catch (err) {
      if (err instanceof AuthenticationFailed) {
        this.logger.info('authentication failed', { authenticator: err.authenticator, reason: err.message });
        return { authenticated: false, error: err.message, user: undefined, audiences: [] };
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
