// The authentication settings: kube-apiserver's authentication flags as KAPI_* variables. Read by
// authn (which authenticators run), the registry (which key signs ServiceAccount tokens) and the
// front door (which keys it publishes). Kept apart from ServiceConfig: only these three need it.
import { join } from 'node:path';
import { booleanSetting as boolean, ConfigError, list } from './index.js';

export interface OidcConfig {
  issuerUrl: string;
  clientId: string;
  /** PEM bundle that verifies the issuer's TLS certificate; the system's CAs when empty. */
  caFile: string;
  usernameClaim: string;
  /** Already resolved as kube resolves it: '' means no prefix. */
  usernamePrefix: string;
  groupsClaim: string;
  groupsPrefix: string;
}

export interface AuthnConfig {
  /** --anonymous-auth */
  anonymousAuth: boolean;
  /** --enable-bootstrap-token-auth: off by default in kube-apiserver (kubeadm turns it on). */
  bootstrapTokenAuth: boolean;
  /** --token-auth-file; '' when there is none. */
  tokenAuthFile: string;
  /** --service-account-key-file (repeatable): every key a ServiceAccount token may be verified with. */
  serviceAccountKeyFiles: string[];
  /** --service-account-signing-key-file: the one private key new tokens are signed with. */
  serviceAccountSigningKeyFile: string;
  /** --oidc-*; absent when no issuer is configured. */
  oidc?: OidcConfig;
}

function oidc(env: NodeJS.ProcessEnv): OidcConfig | undefined {
  const issuerUrl = env.KAPI_OIDC_ISSUER_URL ?? '';
  if (!issuerUrl) return undefined;
  if (!issuerUrl.startsWith('https://')) throw new ConfigError(`KAPI_OIDC_ISSUER_URL=${JSON.stringify(issuerUrl)} must be an https:// URL`);
  const clientId = env.KAPI_OIDC_CLIENT_ID ?? '';
  if (!clientId) throw new ConfigError('KAPI_OIDC_CLIENT_ID is not set: it is required with KAPI_OIDC_ISSUER_URL');
  const usernameClaim = env.KAPI_OIDC_USERNAME_CLAIM || 'sub';
  // kube: without a prefix, claims other than email are prefixed with "<issuer>#"; "-" means none.
  const prefix = env.KAPI_OIDC_USERNAME_PREFIX;
  const usernamePrefix = prefix === '-' ? '' : prefix ? prefix : usernameClaim === 'email' ? '' : `${issuerUrl}#`;
  return {
    issuerUrl,
    clientId,
    caFile: env.KAPI_OIDC_CA_FILE ?? '',
    usernameClaim,
    usernamePrefix,
    groupsClaim: env.KAPI_OIDC_GROUPS_CLAIM ?? '',
    groupsPrefix: env.KAPI_OIDC_GROUPS_PREFIX ?? '',
  };
}

/** The authentication settings; key files default to the stack's PKI (sa.pub, sa.key in pkiDir). */
export function loadAuthnConfig(pkiDir: string, env: NodeJS.ProcessEnv = process.env): AuthnConfig {
  const keyFiles = list(env.KAPI_SERVICE_ACCOUNT_KEY_FILES);
  const signingKeyFile = env.KAPI_SERVICE_ACCOUNT_SIGNING_KEY_FILE || '';
  return {
    anonymousAuth: boolean(env, 'KAPI_ANONYMOUS_AUTH', true),
    bootstrapTokenAuth: boolean(env, 'KAPI_ENABLE_BOOTSTRAP_TOKEN_AUTH', false),
    tokenAuthFile: env.KAPI_TOKEN_AUTH_FILE ?? '',
    // As kube-apiserver: without key files, tokens are verified with the signing key.
    serviceAccountKeyFiles: keyFiles.length ? keyFiles : [signingKeyFile || join(pkiDir, 'sa.pub')],
    serviceAccountSigningKeyFile: signingKeyFile || join(pkiDir, 'sa.key'),
    oidc: oidc(env),
  };
}
