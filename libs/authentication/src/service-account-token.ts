// ServiceAccount tokens: JWTs signed with the service-account key, verified without a database
// except for one look-up that makes a token stop working once its ServiceAccount (or the object it
// is bound to) is gone or replaced.
import { randomUUID } from 'node:crypto';
import { AuthenticationFailed, type Authenticator } from './authenticator.js';
import { keyId, parseJwt, publicKeysFromPem, signJwt, verifyJwt } from './jws.js';

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
    /** The node a bound pod runs on; its uid when the Node existed at issue. */
    node?: { name: string; uid?: string };
    /** Extended kubelet tokens: when the token's requested lifetime ended. */
    warnafter?: number;
  };
}

export function signServiceAccountToken(
  privateKeyPem: string,
  claims: Omit<ServiceAccountClaims, 'iss' | 'iat' | 'nbf' | 'jti'> & { iss?: string },
  now = Math.floor(Date.now() / 1000),
): string {
  return signJwt(privateKeyPem, { iss: claims.iss ?? DEFAULT_ISSUER, iat: now, nbf: now, jti: randomUUID(), ...claims });
}

/** What a look-up tells of a live object; Secrets also carry their type and data (base64). */
export interface LiveObject {
  uid: string;
  /** Set while the object is being deleted (RFC 3339). */
  deletionTimestamp?: string;
  type?: string;
  data?: Record<string, string>;
}

/** The live object a token names, or undefined when it is gone. */
export type ObjectLookup = (kind: 'ServiceAccount' | 'Secret' | 'Pod', namespace: string, name: string) => Promise<LiveObject | undefined>;

const failed = (message: string) => new AuthenticationFailed('service-account-token', message);

/** A Go %q of a string list: ["a" "b"]. */
const goQuoted = (list: string[]) => `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;

/** kube lets a token outlive the deletion of its objects by a minute (graceful deletion in flight). */
const deletedAWhileAgo = (obj: LiveObject, now: number) => !!obj.deletionTimestamp && Date.parse(obj.deletionTimestamp) / 1000 < now - 60;

export function serviceAccountTokenAuthenticator(options: {
  /**
   * PEM text of every key a token may be verified with (--service-account-key-file, repeatable):
   * a token signed by a key that is still listed keeps working while the signing key rotates.
   */
  verificationKeysPem: string[];
  issuer?: string;
  /** The audiences this API server accepts; a token must name one of them. */
  audiences?: string[];
  lookup: ObjectLookup;
  now?: () => number;
}): Authenticator {
  const keys = options.verificationKeysPem.flatMap(publicKeysFromPem);
  const issuer = options.issuer ?? DEFAULT_ISSUER;
  const apiAudiences = options.audiences ?? [issuer];
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  return {
    name: 'service-account-token',
    async authenticate({ bearerToken, audiences: requested }) {
      const jwt = parseJwt(bearerToken);
      if (!jwt) return { ok: false };
      const claims = jwt.claims as unknown as ServiceAccountClaims;
      // A JWT of another issuer (OIDC, say) is not ours.
      if (claims.iss !== issuer) return { ok: false };
      // The key id picks the key when it names a listed one; otherwise every key is tried.
      const byKid = keys.filter((k) => jwt.header.kid && keyId(k) === jwt.header.kid);
      if (!(byKid.length ? byKid : keys).some((k) => verifyJwt(jwt, k))) {
        throw new AuthenticationFailed('service-account-token', 'invalid signature');
      }
      const t = now();
      if (typeof claims.exp !== 'number' || claims.exp < t) throw failed('service account token has expired');
      if (typeof claims.nbf === 'number' && claims.nbf > t + 60) throw failed('service account token is not valid yet');
      const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      const wanted = requested?.length ? requested : apiAudiences;
      const good = wanted.filter((a) => aud.includes(a));
      if (!good.length) throw failed(`token audiences ${goQuoted(aud)} is invalid for the target audiences ${goQuoted(wanted)}`);
      const k8s = claims['kubernetes.io'];
      if (!k8s?.serviceaccount) throw failed('service account token claims could not be validated due to unexpected private claim');
      // kube's messages, which a TokenReview shows in status.error.
      const sa = await options.lookup('ServiceAccount', k8s.namespace, k8s.serviceaccount.name);
      if (!sa) throw failed(`serviceaccount ${JSON.stringify(k8s.serviceaccount.name)} not found`);
      if (sa.uid !== k8s.serviceaccount.uid) throw failed(`service account UID (${sa.uid}) does not match claim (${k8s.serviceaccount.uid})`);
      if (deletedAWhileAgo(sa, t)) throw failed(`service account ${k8s.namespace}/${k8s.serviceaccount.name} has been deleted`);
      for (const [kind, ref] of [['Secret', k8s.secret], ['Pod', k8s.pod]] as const) {
        if (!ref) continue;
        const bound = await options.lookup(kind, k8s.namespace, ref.name);
        if (!bound || deletedAWhileAgo(bound, t)) throw failed('service account token has been invalidated');
        if (bound.uid !== ref.uid) throw failed(`${kind.toLowerCase()} UID (${bound.uid}) does not match service account ${kind.toLowerCase()} ref claim (${ref.uid})`);
      }
      const extra: Record<string, { values: string[] }> = { 'authentication.kubernetes.io/credential-id': { values: [`JTI=${claims.jti}`] } };
      if (k8s.pod) {
        extra['authentication.kubernetes.io/pod-name'] = { values: [k8s.pod.name] };
        extra['authentication.kubernetes.io/pod-uid'] = { values: [k8s.pod.uid] };
      }
      if (k8s.node) {
        extra['authentication.kubernetes.io/node-name'] = { values: [k8s.node.name] };
        if (k8s.node.uid) extra['authentication.kubernetes.io/node-uid'] = { values: [k8s.node.uid] };
      }
      return {
        ok: true,
        audiences: good,
        user: {
          username: `system:serviceaccount:${k8s.namespace}:${k8s.serviceaccount.name}`,
          uid: k8s.serviceaccount.uid,
          groups: ['system:serviceaccounts', `system:serviceaccounts:${k8s.namespace}`],
          extra,
        },
      };
    },
  };
}
