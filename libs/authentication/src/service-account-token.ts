// ServiceAccount tokens: JWTs signed with the service-account key, verified without a database
// except for one look-up that makes a token stop working once its ServiceAccount (or the object it
// is bound to) is gone or replaced.
import { createHash, createPublicKey, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import { AuthenticationFailed, type Authenticator } from './authenticator.js';

export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

export interface ServiceAccountClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': {
    namespace: string;
    serviceaccount: { name: string; uid: string };
    secret?: { name: string; uid: string };
    pod?: { name: string; uid: string };
  };
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** kube's key id: the SHA-256 of the public key's DER, base64url. */
export function keyId(publicKey: KeyObject): string {
  return b64url(createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest());
}

export function signServiceAccountToken(
  privateKeyPem: string,
  claims: Omit<ServiceAccountClaims, 'iss' | 'iat' | 'nbf' | 'jti'> & { iss?: string },
  now = Math.floor(Date.now() / 1000),
): string {
  const publicKey = createPublicKey(privateKeyPem);
  const header = { alg: 'RS256', kid: keyId(publicKey) };
  const payload: ServiceAccountClaims = { iss: claims.iss ?? DEFAULT_ISSUER, iat: now, nbf: now, jti: randomUUID(), ...claims } as ServiceAccountClaims;
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${signingInput}.${b64url(sign('RSA-SHA256', Buffer.from(signingInput), privateKeyPem))}`;
}

/** The live object a token names, or undefined when it is gone. */
export type ObjectLookup = (kind: 'ServiceAccount' | 'Secret' | 'Pod', namespace: string, name: string) => Promise<{ uid: string } | undefined>;

export function serviceAccountTokenAuthenticator(options: {
  publicKeyPem: string;
  issuer?: string;
  /** The audiences this API server accepts; a token must name one of them. */
  audiences?: string[];
  lookup: ObjectLookup;
  now?: () => number;
}): Authenticator {
  const publicKey = createPublicKey(options.publicKeyPem);
  const issuer = options.issuer ?? DEFAULT_ISSUER;
  const audiences = options.audiences ?? [issuer];
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  return {
    name: 'service-account-token',
    async authenticate({ bearerToken }) {
      const parts = bearerToken.split('.');
      if (parts.length !== 3) return { ok: false };
      let claims: ServiceAccountClaims;
      try {
        claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as ServiceAccountClaims;
      } catch {
        return { ok: false };
      }
      // A JWT of another issuer (OIDC, say) is not ours.
      if (claims.iss !== issuer) return { ok: false };
      if (!verify('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`), publicKey, Buffer.from(parts[2], 'base64url'))) {
        throw new AuthenticationFailed('service-account-token', 'invalid signature');
      }
      const t = now();
      if (typeof claims.exp !== 'number' || claims.exp < t) throw new AuthenticationFailed('service-account-token', 'token has expired');
      if (typeof claims.nbf === 'number' && claims.nbf > t + 60) throw new AuthenticationFailed('service-account-token', 'token is not valid yet');
      const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      if (!aud.some((a) => audiences.includes(a))) throw new AuthenticationFailed('service-account-token', 'token audiences do not include this API server');
      const k8s = claims['kubernetes.io'];
      if (!k8s?.serviceaccount) throw new AuthenticationFailed('service-account-token', 'token names no service account');
      const sa = await options.lookup('ServiceAccount', k8s.namespace, k8s.serviceaccount.name);
      if (!sa || sa.uid !== k8s.serviceaccount.uid) throw new AuthenticationFailed('service-account-token', 'the service account of the token no longer exists');
      for (const [kind, ref] of [['Secret', k8s.secret], ['Pod', k8s.pod]] as const) {
        if (!ref) continue;
        const bound = await options.lookup(kind, k8s.namespace, ref.name);
        if (!bound || bound.uid !== ref.uid) throw new AuthenticationFailed('service-account-token', `the ${kind.toLowerCase()} the token is bound to no longer exists`);
      }
      return {
        ok: true,
        user: {
          username: `system:serviceaccount:${k8s.namespace}:${k8s.serviceaccount.name}`,
          uid: k8s.serviceaccount.uid,
          groups: ['system:serviceaccounts', `system:serviceaccounts:${k8s.namespace}`],
          extra: { 'authentication.kubernetes.io/credential-id': { values: [`JTI=${claims.jti}`] } },
        },
      };
    },
  };
}
