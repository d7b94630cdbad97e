// The Webhook authorization mode (kube-apiserver's --authorization-webhook-config-file): each
// decision is an authorization.k8s.io/v1 SubjectAccessReview POSTed to the webhook. Allowed answers
// are cached for the authorized TTL (5m), the others for the unauthorized TTL (30s), keyed by the
// review's spec. status.denied is a Deny that ends the chain; allowed=false alone is NoOpinion. A
// failed call is NoOpinion with the error (kube's failure policy for the flag), never cached.
import { ExpiringCache, type WebhookPost } from '@kapi/webhook-client';
import type { Authorization, Authorizer, RequestAttributes } from './authorizer.js';

export const DEFAULT_AUTHORIZED_TTL_MS = 5 * 60_000;
export const DEFAULT_UNAUTHORIZED_TTL_MS = 30_000;
/** Past this size the requester-controlled attributes are not cached, as kube refuses to let them fill its cache. */
const MAX_CACHED_KEY = 10_000;

interface ReviewStatus {
  allowed?: boolean;
  denied?: boolean;
  reason?: string;
}

export interface WebhookAuthorizerOptions {
  post: WebhookPost;
  authorizedTtlMs?: number;
  unauthorizedTtlMs?: number;
  now?: () => number;
}

const omitEmpty = (fields: Record<string, string>) => Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== ''));

/** The spec kube sends: empty fields left out, as Go's omitempty does. */
export function subjectAccessReviewSpec(a: RequestAttributes): Record<string, unknown> {
  const extra = a.user.extra && Object.keys(a.user.extra).length ? a.user.extra : undefined;
  return {
    ...(a.resourceRequest
      ? {
          resourceAttributes: omitEmpty({
            namespace: a.namespace,
            verb: a.verb,
            group: a.apiGroup,
            version: a.apiVersion,
            resource: a.resource,
            subresource: a.subresource,
            name: a.name,
          }),
        }
      : { nonResourceAttributes: omitEmpty({ path: a.path, verb: a.verb }) }),
    ...omitEmpty({ user: a.user.username }),
    ...(a.user.groups.length ? { groups: a.user.groups } : {}),
    ...(extra ? { extra } : {}),
    ...omitEmpty({ uid: a.user.uid ?? '' }),
  };
}

function decisionOf(status: ReviewStatus): Authorization {
  const reason = status.reason ?? '';
  if (status.allowed && status.denied) return { decision: 'Deny', reason, error: 'webhook subject access review returned both allow and deny response' };
  if (status.denied) return { decision: 'Deny', reason };
  if (status.allowed) return { decision: 'Allow', reason };
  return { decision: 'NoOpinion', reason };
}

export function webhookAuthorizer(options: WebhookAuthorizerOptions): Authorizer {
  const authorizedTtl = options.authorizedTtlMs ?? DEFAULT_AUTHORIZED_TTL_MS;
  const unauthorizedTtl = options.unauthorizedTtlMs ?? DEFAULT_UNAUTHORIZED_TTL_MS;
  const cache = new ExpiringCache<ReviewStatus>(8192, options.now);
  return {
    name: 'Webhook',
    async authorize(attributes) {
      const spec = subjectAccessReviewSpec(attributes);
      const key = JSON.stringify(spec);
      let status = cache.get(key);
      if (!status) {
        try {
          const answer = (await options.post({
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SubjectAccessReview',
            metadata: { creationTimestamp: null },
            spec,
            status: { allowed: false },
          })) as { status?: ReviewStatus } | null;
          status = answer?.status ?? {};
        } catch (err) {
          return { decision: 'NoOpinion', reason: '', error: (err as Error).message };
        }
        if (key.length <= MAX_CACHED_KEY) cache.set(key, status, status.allowed ? authorizedTtl : unauthorizedTtl);
      }
      return decisionOf(status);
    },
  };
}
