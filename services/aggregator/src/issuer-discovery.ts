// The service-account issuer's discovery documents, so that other systems can verify kapi's
// ServiceAccount tokens: /.well-known/openid-configuration and, at /openid/v1/jwks, every key a
// token may be verified with (KAPI_SERVICE_ACCOUNT_KEY_FILES), each with its key id.
import { readFileSync } from 'node:fs';
import { algorithmOf, DEFAULT_ISSUER, publicJwk, publicKeysFromPem } from '@kapi/authentication';

export const OPENID_CONFIGURATION_PATH = '/.well-known/openid-configuration';
export const JWKS_PATH = '/openid/v1/jwks';

export interface IssuerDocuments {
  configuration: unknown;
  jwks: unknown;
}

export function issuerDocuments(keyFiles: string[], issuer = DEFAULT_ISSUER): IssuerDocuments {
  const keys = keyFiles.flatMap((file) => publicKeysFromPem(readFileSync(file, 'utf8')));
  const algorithms = [...new Set(keys.map(algorithmOf).filter((a) => a !== undefined))].sort();
  return {
    configuration: {
      issuer,
      jwks_uri: `${issuer}${JWKS_PATH}`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: algorithms,
    },
    jwks: { keys: keys.map(publicJwk) },
  };
}
