// The authorization every cluster has before any RBAC object is read: system:masters may do
// anything; everyone may read the health and version endpoints (system:public-info-viewer); an
// authenticated user may read discovery (system:discovery, system:basic-user).
import { noOpinion, type Authorizer } from './authorizer.js';

export const MASTERS_GROUP = 'system:masters';

// The nonResourceURLs of the bootstrap roles: exact paths, and prefixes where they end in '*'.
const PUBLIC_INFO_PATHS = ['/healthz', '/livez', '/readyz', '/version', '/version/'];
const DISCOVERY_PATHS = ['/api', '/api/*', '/apis', '/apis/*', '/openapi', '/openapi/*', '/version', '/version/'];
// system:service-account-issuer-discovery, bound to every service account as kube binds it.
const ISSUER_DISCOVERY_PATHS = ['/.well-known/openid-configuration', '/.well-known/openid-configuration/', '/openid/v1/jwks', '/openid/v1/jwks/'];

function pathMatches(path: string, rules: string[]): boolean {
  return rules.some((rule) => (rule.endsWith('*') ? path.startsWith(rule.slice(0, -1)) : path === rule));
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
    if (a.user.groups.includes('system:serviceaccounts') && pathMatches(a.path, ISSUER_DISCOVERY_PATHS)) {
      return { decision: 'Allow', reason: 'allowed by system:service-account-issuer-discovery' };
    }
    return noOpinion();
  },
};
