// The service-account issuer's discovery documents, so that other systems can verify kapi's
// ServiceAccount tokens: /.well-known/openid-configuration and the signing keys at /openid/v1/jwks.
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ISSUER, keyId } from '@kapi/authentication';

export const OPENID_CONFIGURATION_PATH = '/.well-known/openid-configuration';
export const JWKS_PATH = '/openid/v1/jwks';

export interface IssuerDocuments {
  configuration: unknown;
  jwks: unknown;
}

export function issuerDocuments(pkiDir: string, issuer = DEFAULT_ISSUER): IssuerDocuments {
  const publicKey = createPublicKey(readFileSync(join(pkiDir, 'sa.pub'), 'utf8'));
  const jwk = publicKey.export({ format: 'jwk' });
  return {
    configuration: {
      issuer,
      jwks_uri: `${issuer}${JWKS_PATH}`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    },
    jwks: { keys: [{ use: 'sig', kty: jwk.kty, kid: keyId(publicKey), alg: 'RS256', n: jwk.n, e: jwk.e }] },
  };
}
