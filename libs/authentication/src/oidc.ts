// OpenID Connect ID tokens, as kube-apiserver's --oidc-* flags configure them: the issuer's
// discovery document names its JWKS; keys are fetched once and again when a token names a key id
// not yet known (at most once per refetch interval); RS256 and ES256; iss, aud, exp and nbf are
// checked; the user name and groups come from the configured claims with their prefixes.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { request } from 'node:https';
import { AuthenticationFailed, type Authenticator } from './authenticator.js';
import { algorithmOf, parseJwt, verifyJwt } from './jws.js';

export interface OidcOptions {
  issuerUrl: string;
  clientId: string;
  usernameClaim: string;
  /** Prepended to the user name ('' for none); kube's defaulting is the caller's. */
  usernamePrefix: string;
  groupsClaim: string;
  groupsPrefix: string;
  /** Fetches a JSON document over HTTPS; `httpsJson(ca)` unless a test injects its own. */
  fetchJson: (url: string) => Promise<unknown>;
  /** Least time between two JWKS fetches caused by unknown key ids. */
  refetchIntervalMs?: number;
  now?: () => number;
}

/** GETs a JSON document over HTTPS, trusting `ca` (PEM) when given and the system's CAs otherwise. */
export function httpsJson(ca?: string): (url: string) => Promise<unknown> {
  return (url) =>
    new Promise((resolve, reject) => {
      const req = request(url, { method: 'GET', ca: ca || undefined, timeout: 10_000, headers: { Accept: 'application/json' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) return reject(new Error(`${url}: ${res.statusCode} ${body.slice(0, 200)}`));
          try {
            resolve(JSON.parse(body));
          } catch {
            reject(new Error(`${url}: the answer is not JSON`));
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${url}: timed out`)));
      req.on('error', reject);
      req.end();
    });
}

const fail = (message: string) => new AuthenticationFailed('oidc', `oidc: ${message}`);

export function oidcAuthenticator(options: OidcOptions): Authenticator {
  const now = options.now ?? (() => Date.now());
  const refetchIntervalMs = options.refetchIntervalMs ?? 10_000;
  let keys: { kid?: string; key: KeyObject }[] | undefined;
  let lastFetch = -Infinity;
  let inflight: Promise<void> | undefined;

  async function fetchKeys(): Promise<void> {
    lastFetch = now();
    const discovery = (await options.fetchJson(`${options.issuerUrl.replace(/\/$/, '')}/.well-known/openid-configuration`)) as { issuer?: string; jwks_uri?: string };
    if (discovery.issuer !== options.issuerUrl) throw new Error(`oidc: issuer did not match the issuer returned by provider, expected "${options.issuerUrl}" got "${discovery.issuer}"`);
    if (!discovery.jwks_uri) throw new Error('oidc: the discovery document names no jwks_uri');
    const jwks = (await options.fetchJson(discovery.jwks_uri)) as { keys?: (Record<string, unknown> & { kid?: string; use?: string })[] };
    keys = (jwks.keys ?? [])
      .filter((k) => !k.use || k.use === 'sig')
      .flatMap((k) => {
        try {
          const key = createPublicKey({ key: k as never, format: 'jwk' });
          return algorithmOf(key) ? [{ kid: k.kid, key }] : [];
        } catch {
          return [];
        }
      });
  }

  /** Fetches the keys when there are none, or a token names an unknown key; one fetch at a time. */
  async function ensureKeys(unknownKid: boolean): Promise<void> {
    if (keys && !unknownKid) return;
    if (!inflight) {
      if (now() - lastFetch < refetchIntervalMs) {
        if (keys) return;
        throw fail('authenticator not initialized');
      }
      inflight = fetchKeys().finally(() => (inflight = undefined));
    }
    try {
      await inflight;
    } catch (err) {
      if (!keys) throw fail(`authenticator not initialized: ${(err as Error).message}`);
    }
  }

  return {
    name: 'oidc',
    async authenticate({ bearerToken }) {
      const jwt = parseJwt(bearerToken);
      if (!jwt) return { ok: false };
      const { claims, header } = jwt;
      // A JWT of another issuer (a ServiceAccount token, say) is not ours.
      if (claims.iss !== options.issuerUrl) return { ok: false };
      await ensureKeys(false);
      if (header.kid && !keys!.some((k) => k.kid === header.kid)) await ensureKeys(true);
      const candidates = keys!.filter((k) => !header.kid || k.kid === header.kid);
      if (!candidates.some((k) => verifyJwt(jwt, k.key))) throw fail('verify token: failed to verify signature: failed to verify id token signature');
      const t = Math.floor(now() / 1000);
      if (typeof claims.exp !== 'number') throw fail('verify token: oidc: malformed jwt: missing exp claim');
      if (claims.exp < t) throw fail(`verify token: oidc: token is expired (Token Expiry: ${new Date(claims.exp * 1000).toISOString()})`);
      if (typeof claims.nbf === 'number' && claims.nbf > t + 300) throw fail(`verify token: oidc: current time ${new Date(t * 1000).toISOString()} before the nbf (not before) time: ${new Date(claims.nbf * 1000).toISOString()}`);
      const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      if (!aud.includes(options.clientId)) throw fail(`verify token: oidc: expected audience "${options.clientId}" got ${JSON.stringify(aud)}`);
      if (options.usernameClaim === 'email' && 'email_verified' in claims && claims.email_verified !== true) {
        throw fail('email not verified');
      }
      const name = claims[options.usernameClaim];
      if (typeof name !== 'string' || !name) throw fail(`parse username claims "${options.usernameClaim}": claim not present`);
      let groups: string[] = [];
      if (options.groupsClaim && claims[options.groupsClaim] !== undefined) {
        const value = claims[options.groupsClaim];
        const list = typeof value === 'string' ? [value] : Array.isArray(value) && value.every((g) => typeof g === 'string') ? (value as string[]) : undefined;
        if (!list) throw fail(`parse groups claim "${options.groupsClaim}": json: cannot unmarshal into []string`);
        groups = list.map((g) => `${options.groupsPrefix}${g}`);
      }
      return { ok: true, user: { username: `${options.usernamePrefix}${name}`, uid: '', groups, extra: {} } };
    },
  };
}
