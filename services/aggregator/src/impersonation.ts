// Impersonation headers (Impersonate-User, -Group, -Uid, -Extra-<key>), each checked against the
// requesting user with the `impersonate` verb, as kube-apiserver does before anything else runs as
// the impersonated user.
import type { IncomingMessage } from 'node:http';
import { badRequest, forbidden } from '@kapi/api-machinery';
import type { commonV1 } from '@kapi/proto';

type User = commonV1.UserInfo;

export interface ImpersonationCheck {
  /** Asks the authorizer whether `user` may impersonate; resolves true when allowed. */
  (user: User, attributes: { resource: string; apiGroup: string; namespace: string; name: string; subresource: string }): Promise<boolean>;
}

const SERVICE_ACCOUNT = /^system:serviceaccount:([^:]+):([^:]+)$/;

function headerValues(req: IncomingMessage, name: string): string[] {
  const raw = req.headers[name.toLowerCase()];
  if (raw === undefined) return [];
  return (Array.isArray(raw) ? raw : [raw]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

/** The user the request acts as: the authenticated one, or the one it impersonates. */
export async function impersonatedUser(req: IncomingMessage, user: User, allowed: ImpersonationCheck): Promise<User> {
  const [username] = headerValues(req, 'Impersonate-User');
  const groups = headerValues(req, 'Impersonate-Group');
  const [uid] = headerValues(req, 'Impersonate-Uid');
  const extras: Record<string, string[]> = {};
  for (const header of Object.keys(req.headers)) {
    const m = header.match(/^impersonate-extra-(.+)$/);
    if (m) extras[decodeURIComponent(m[1])] = headerValues(req, header);
  }
  if (!username) {
    if (groups.length || uid || Object.keys(extras).length) {
      throw badRequest(`requested ${JSON.stringify({ groups, uid, extras })} without impersonating a user`);
    }
    return user;
  }

  const check = async (resource: string, apiGroup: string, name: string, namespace = '', subresource = '') => {
    if (!(await allowed(user, { resource, apiGroup, namespace, name, subresource }))) {
      const qualified = apiGroup ? `${resource}.${apiGroup}` : resource;
      const scope = namespace ? `in the namespace "${namespace}"` : 'at the cluster scope';
      const what = subresource ? `${resource}/${subresource}` : resource;
      throw forbidden({ group: apiGroup, resource: qualified.split('.')[0] }, name, `User "${user.username}" cannot impersonate resource "${what}" in API group "${apiGroup}" ${scope}`);
    }
  };
  const sa = username.match(SERVICE_ACCOUNT);
  if (sa) await check('serviceaccounts', '', sa[2], sa[1]);
  else await check('users', '', username);
  for (const g of groups) await check('groups', '', g);
  if (uid) await check('uids', 'authentication.k8s.io', uid);
  for (const [key, values] of Object.entries(extras)) for (const v of values) await check('userextras', 'authentication.k8s.io', v, '', key);

  const impersonatedGroups = [...groups];
  if (sa && groups.length === 0) impersonatedGroups.push('system:serviceaccounts', `system:serviceaccounts:${sa[1]}`);
  if (username !== 'system:anonymous' && !impersonatedGroups.includes('system:authenticated')) impersonatedGroups.push('system:authenticated');
  return {
    username,
    uid: uid ?? '',
    groups: impersonatedGroups,
    extra: Object.fromEntries(Object.entries(extras).map(([k, v]) => [k, { values: v }])),
  };
}
