// Compact JWS (signed JWT) parsing and verification with Node's crypto, shared by the
// ServiceAccount and OIDC token authenticators, and the key handling around them.
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

export interface ParsedJwt {
  header: { alg?: string; kid?: string; typ?: string };
  claims: Record<string, unknown>;
  signingInput: Buffer;
  signature: Buffer;
}

/** The parts of a compact JWT, or undefined when the token is not one. */
export function parseJwt(token: string): ParsedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as ParsedJwt['header'];
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof header !== 'object' || header === null || typeof claims !== 'object' || claims === null) return undefined;
    return { header, claims, signingInput: Buffer.from(`${parts[0]}.${parts[1]}`), signature: Buffer.from(parts[2], 'base64url') };
  } catch {
    return undefined;
  }
}

/** The algorithms verified here: RS256 with RSA keys, ES256 with P-256 keys. */
export const SUPPORTED_ALGORITHMS = ['RS256', 'ES256'] as const;

export function algorithmOf(key: KeyObject): 'RS256' | 'ES256' | undefined {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  return undefined;
}

/** Whether `jwt` carries a valid signature of `key` under the algorithm its header names. */
export function verifyJwt(jwt: ParsedJwt, key: KeyObject): boolean {
  const alg = algorithmOf(key);
  if (!alg || jwt.header.alg !== alg) return false;
  try {
    return alg === 'RS256'
      ? verify('RSA-SHA256', jwt.signingInput, key, jwt.signature)
      : verify('sha256', jwt.signingInput, { key, dsaEncoding: 'ieee-p1363' }, jwt.signature);
  } catch {
    return false;
  }
}

/** kube's key id: the SHA-256 of the public key's DER, base64url. */
export function keyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest().toString('base64url');
}

/**
 * Every public key of a PEM file, as kube reads --service-account-key-file: public keys, and the
 * public half of private keys; certificates and other blocks are skipped.
 */
export function publicKeysFromPem(pem: string): KeyObject[] {
  const blocks = pem.match(/-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END \1-----/g) ?? [];
  return blocks.filter((b) => /^-----BEGIN (RSA |EC )?(PUBLIC|PRIVATE) KEY-----/.test(b)).map((b) => createPublicKey(b));
}

/** A public key as a JSON Web Key with its kube key id, as the issuer's JWKS document lists it. */
export function publicJwk(key: KeyObject): Record<string, unknown> {
  const jwk = key.export({ format: 'jwk' });
  const alg = algorithmOf(key);
  return alg === 'ES256'
    ? { use: 'sig', kty: jwk.kty, kid: keyId(key), crv: jwk.crv, alg, x: jwk.x, y: jwk.y }
    : { use: 'sig', kty: jwk.kty, kid: keyId(key), alg: 'RS256', n: jwk.n, e: jwk.e };
}

/**
 * A compact JWT of `claims` signed with a private key (PEM or KeyObject): RS256 for RSA keys, ES256
 * for P-256 keys; the key id defaults to kube's for the key.
 */
export function signJwt(privateKey: string | KeyObject, claims: object, kid?: string): string {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  const publicKey = createPublicKey(key);
  const alg = algorithmOf(publicKey);
  if (!alg) throw new Error('the signing key is neither RSA nor ECDSA P-256');
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = Buffer.from(`${encode({ alg, kid: kid ?? keyId(publicKey) })}.${encode(claims)}`);
  const signature = alg === 'RS256' ? sign('RSA-SHA256', signingInput, key) : sign('sha256', signingInput, { key, dsaEncoding: 'ieee-p1363' });
  return `${signingInput.toString()}.${signature.toString('base64url')}`;
}
