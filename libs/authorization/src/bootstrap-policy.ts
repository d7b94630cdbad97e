// The authorization every cluster has before any RBAC object is read: system:masters may do
// anything; everyone may read the health and version endpoints (system:public-info-viewer); an
// authenticated user may read discovery (system:discovery, system:basic-user).
import { noOpinion, type Authorizer } from './authorizer.js';

export const MASTERS_GROUP = 'system:masters';

const PUBLIC_INFO_PATHS = ['/healthz', '/livez', '/readyz', '/version'];
const DISCOVERY_PATHS = ['/api', '/apis', '/openapi', '/version', '/healthz', '/livez', '/readyz'];

function pathMatches(path: string, roots: string[]): boolean {
  return roots.some((root) => path === root || path === `${root}/` || path.startsWith(`${root}/`));
}

export const mastersAuthorizer: Authorizer = {
  name: 'system:masters',
  async authorize({ user }) {
    return user.groups.includes(MASTERS_GROUP) ? { decision: 'Allow', reason: '' } : noOpinion();
  },
};

export const bootstrapPolicyAuthorizer: Authorizer = {
  name: 'bootstrap-policy',
  async authorize(a) {
    if (a.resourceRequest || a.verb !== 'get') return noOpinion();
    if (pathMatches(a.path, PUBLIC_INFO_PATHS)) return { decision: 'Allow', reason: 'allowed by system:public-info-viewer' };
    if (a.user.groups.includes('system:authenticated') && pathMatches(a.path, DISCOVERY_PATHS)) {
      return { decision: 'Allow', reason: 'allowed by system:discovery' };
    }
    return noOpinion();
  },
};
