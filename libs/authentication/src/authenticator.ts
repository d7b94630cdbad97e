// The authenticator extension point. An authenticator answers `{ ok: false }` when the request
// carries no credential of its kind ("not mine"), and throws when it carries one that is bad
// ("failed"), so that a bad credential is never silently passed over to the next authenticator.

export interface User {
  username: string;
  uid: string;
  groups: string[];
  extra: Record<string, { values: string[] }>;
}

export interface Credentials {
  /** DER certificates from the TLS handshake, leaf first. */
  clientCertificates: Buffer[];
  bearerToken: string;
  /**
   * The audiences the token must be meant for (a TokenReview's spec.audiences); the API server's
   * own audiences when absent.
   */
  audiences?: string[];
}

/**
 * `audiences`: which of the requested audiences the credential is good for. Authenticators whose
 * credentials carry no audience leave it out; the union then answers the API server's audiences.
 */
export type AuthenticationResult = { ok: true; user: User; audiences?: string[] } | { ok: false };

export interface Authenticator {
  readonly name: string;
  authenticate(credentials: Credentials): Promise<AuthenticationResult>;
}

export class AuthenticationFailed extends Error {
  constructor(
    readonly authenticator: string,
    message: string,
  ) {
    super(message);
    this.name = 'AuthenticationFailed';
  }
}

/** A plain function as an authenticator. */
export function authenticatorFunc(name: string, fn: (c: Credentials) => Promise<AuthenticationResult>): Authenticator {
  return { name, authenticate: fn };
}

export const AUTHENTICATED_GROUP = 'system:authenticated';
export const UNAUTHENTICATED_GROUP = 'system:unauthenticated';
export const ANONYMOUS_USER = 'system:anonymous';

/**
 * Runs authenticators in order; the first that recognises the request decides. Every
 * authenticated user is in system:authenticated, as kube-apiserver adds it.
 */
export function unionAuthenticator(authenticators: Authenticator[], apiAudiences: string[] = []): Authenticator {
  return {
    name: 'union',
    async authenticate(credentials) {
      // A failed credential does not stop a later one from authenticating; it is reported only
      // when nothing succeeds.
      const failures: AuthenticationFailed[] = [];
      for (const a of authenticators) {
        let result: AuthenticationResult;
        try {
          result = await a.authenticate(credentials);
        } catch (err) {
          if (!(err instanceof AuthenticationFailed)) throw err;
          failures.push(err);
          continue;
        }
        if (!result.ok) continue;
        const requested = credentials.audiences?.length ? credentials.audiences : apiAudiences;
        if (!result.audiences && requested.length) {
          // An audience-agnostic credential is good for the API server's own audiences only, as
          // kube's WrapAudienceAgnosticToken has it.
          const good = requested.filter((a) => apiAudiences.includes(a));
          if (!good.length) continue;
          result.audiences = good;
        }
        const { user } = result;
        if (user.username !== ANONYMOUS_USER && !user.groups.includes(AUTHENTICATED_GROUP)) {
          user.groups = [...user.groups, AUTHENTICATED_GROUP];
        }
        return result;
      }
      if (failures.length) throw failures[0];
      return { ok: false };
    },
  };
}
