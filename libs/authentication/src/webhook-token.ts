// Webhook token authentication (kube-apiserver's --authentication-token-webhook-config-file): a
// bearer token is sent to the webhook as an authentication.k8s.io/v1 TokenReview and the user it
// answers with is the caller. Answers, accepting and rejecting alike, are cached for the TTL
// (kube's default 2m); a failed call is not cached.
import { createHash } from 'node:crypto';
import { AuthenticationFailed, type AuthenticationResult, type Authenticator } from './authenticator.js';
import { ExpiringCache, type WebhookPost } from '@kapi/webhook-client';

export const DEFAULT_TOKEN_WEBHOOK_CACHE_TTL_MS = 2 * 60_000;

interface TokenReviewStatus {
  authenticated?: boolean;
  user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  audiences?: string[];
  error?: string;
}

export interface WebhookTokenOptions {
  post: WebhookPost;
  /** The API server's audiences: sent in the review and checked against the answer's. */
  audiences: string[];
  ttlMs?: number;
  now?: () => number;
}

const NAME = 'webhook-token';

export function webhookTokenAuthenticator(options: WebhookTokenOptions): Authenticator {
  const ttlMs = options.ttlMs ?? DEFAULT_TOKEN_WEBHOOK_CACHE_TTL_MS;
  const cache = new ExpiringCache<AuthenticationResult>(8192, options.now);
  const review = async (token: string): Promise<AuthenticationResult> => {
    let answer: { status?: TokenReviewStatus };
    try {
      answer = (await options.post({
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenReview',
        metadata: { creationTimestamp: null },
        spec: { token, audiences: options.audiences },
        status: { user: {} },
      })) as { status?: TokenReviewStatus };
    } catch (err) {
      throw new AuthenticationFailed(NAME, (err as Error).message);
    }
    const status = answer?.status ?? {};
    if (!status.authenticated) {
      if (status.error) throw new AuthenticationFailed(NAME, status.error);
      return { ok: false };
    }
    // An answer naming audiences must share one with this API server; one naming none is taken to
    // mean the API server's own.
    if (status.audiences?.length && !status.audiences.some((a) => options.audiences.includes(a))) return { ok: false };
    const u = status.user ?? {};
    const extra = Object.fromEntries(Object.entries(u.extra ?? {}).map(([k, values]) => [k, { values }]));
    return { ok: true, user: { username: u.username ?? '', uid: u.uid ?? '', groups: u.groups ?? [], extra } };
  };
  return {
    name: NAME,
    async authenticate({ bearerToken }) {
      if (!bearerToken) return { ok: false };
      const key = createHash('sha256').update(bearerToken).digest('base64');
      const cached = cache.get(key);
      if (cached) return structuredClone(cached);
      const result = await review(bearerToken);
      cache.set(key, result, ttlMs);
      return structuredClone(result);
    },
  };
}
