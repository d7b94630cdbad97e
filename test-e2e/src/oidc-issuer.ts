// A small but real OpenID Connect issuer for tests: HTTPS with a certificate from a CA of its own,
// the discovery document, a JWKS with an RSA and a P-256 key, and ID tokens minted on demand.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { publicJwk, signJwt } from '@kapi/authentication';
import { createTestServingPki } from '@kapi/local-stack';

export interface OidcTestIssuer {
  /** https://127.0.0.1:<port>, the issuer URL tokens carry in `iss`. */
  url: string;
  /** The CA file that verifies the issuer's certificate (KAPI_OIDC_CA_FILE). */
  caFile: string;
  /** How many times the JWKS was fetched. */
  jwksFetches(): number;
  /** An ID token: iss, aud (the client id), iat and exp (in ten minutes) unless `claims` says otherwise. */
  mint(claims: Record<string, unknown>, options?: { key?: 'rsa' | 'ec' }): string;
  stop(): Promise<void>;
}

export async function startOidcTestIssuer(dir: string, clientId: string): Promise<OidcTestIssuer> {
  const pki = createTestServingPki(join(dir, 'oidc-pki'), { dns: ['localhost'], ips: ['127.0.0.1'] });
  const keys: Record<'rsa' | 'ec', { privateKey: KeyObject; publicKey: KeyObject }> = {
    rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }),
    ec: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }),
  };
  let url = '';
  let jwksFetches = 0;
  const server: Server = createServer({ cert: readFileSync(pki.cert), key: readFileSync(pki.key) }, (req, res) => {
    const json = (doc: unknown) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(doc));
    };
    if (req.url === '/.well-known/openid-configuration') {
      return json({ issuer: url, jwks_uri: `${url}/keys`, response_types_supported: ['id_token'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256', 'ES256'] });
    }
    if (req.url === '/keys') {
      jwksFetches++;
      return json({ keys: Object.values(keys).map((k) => publicJwk(k.publicKey)) });
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    caFile: pki.caCert,
    jwksFetches: () => jwksFetches,
    mint: (claims, options = {}) => {
      const now = Math.floor(Date.now() / 1000);
      return signJwt(keys[options.key ?? 'rsa'].privateKey, { iss: url, aud: clientId, iat: now, exp: now + 600, ...claims });
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
