// Bootstrap tokens (kubeadm join): `<id>.<secret>` matched against the Secret
// kube-system/bootstrap-token-<id> of type bootstrap.kubernetes.io/token. As kube's token-bootstrap
// authenticator does, every mismatch — no such Secret, wrong secret, expired, not marked for
// authentication, bad extra groups — is "not mine" rather than an error: the request ends up
// unauthenticated, and only the log says why.
import { timingSafeEqual } from 'node:crypto';
import type { Authenticator } from './authenticator.js';
import type { LiveObject, ObjectLookup } from './service-account-token.js';

export const BOOTSTRAP_TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAP_TOKEN_SECRET_PREFIX = 'bootstrap-token-';
export const BOOTSTRAP_USER_PREFIX = 'system:bootstrap:';
export const BOOTSTRAP_DEFAULT_GROUP = 'system:bootstrappers';
const TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const GROUP = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

const data = (secret: LiveObject, key: string) => Buffer.from(secret.data?.[key] ?? '', 'base64').toString('utf8');

/** Why a Secret does not authenticate a token, or its user's groups when it does. */
export function bootstrapTokenGroups(secret: LiveObject, tokenId: string, tokenSecret: string, now: Date): { groups: string[] } | { refused: string } {
  if (secret.deletionTimestamp) return { refused: 'is deleted and awaiting removal' };
  if (secret.type !== BOOTSTRAP_TOKEN_SECRET_TYPE || !secret.data) return { refused: `has invalid type, expected ${BOOTSTRAP_TOKEN_SECRET_TYPE}.` };
  const stored = Buffer.from(data(secret, 'token-secret'));
  const given = Buffer.from(tokenSecret);
  if (stored.length !== given.length || !timingSafeEqual(stored, given)) return { refused: 'has invalid value for key token-secret.' };
  if (data(secret, 'token-id') !== tokenId) return { refused: 'has invalid value for key token-id.' };
  const expiration = data(secret, 'expiration');
  if (expiration) {
    const at = Date.parse(expiration);
    // kube treats an expiration it cannot parse as expired.
    if (!/^\d{4}-\d{2}-\d{2}T/.test(expiration) || Number.isNaN(at)) return { refused: `has unparseable expiration time (${expiration}), treating as expired.` };
    if (at < now.getTime()) return { refused: `has expired (${expiration}).` };
  }
  if (data(secret, 'usage-bootstrap-authentication') !== 'true') return { refused: 'not marked usage-bootstrap-authentication=true.' };
  const groups = new Set([BOOTSTRAP_DEFAULT_GROUP]);
  const extra = data(secret, 'auth-extra-groups');
  if (extra) {
    for (const group of extra.split(',')) {
      if (!GROUP.test(group)) return { refused: `has invalid value for key auth-extra-groups: ${JSON.stringify(group)} (must match ${GROUP.source}).` };
      groups.add(group);
    }
  }
  return { groups: [...groups].sort() };
}

export function bootstrapTokenAuthenticator(options: {
  lookup: ObjectLookup;
  /** Where refusals are told; kube logs them. */
  log?: (message: string) => void;
  now?: () => Date;
}): Authenticator {
  const now = options.now ?? (() => new Date());
  return {
    name: 'bootstrap-token',
    async authenticate({ bearerToken }) {
      const m = bearerToken.match(TOKEN);
      if (!m) return { ok: false };
      const [, id, tokenSecret] = m;
      const name = `${BOOTSTRAP_TOKEN_SECRET_PREFIX}${id}`;
      const secret = await options.lookup('Secret', 'kube-system', name);
      if (!secret) return { ok: false };
      const verdict = bootstrapTokenGroups(secret, id, tokenSecret, now());
      if ('refused' in verdict) {
        options.log?.(`Bootstrap secret kube-system/${name} matching bearer token ${verdict.refused}`);
        return { ok: false };
      }
      return { ok: true, user: { username: `${BOOTSTRAP_USER_PREFIX}${id}`, uid: '', groups: verdict.groups, extra: {} } };
    },
  };
}
