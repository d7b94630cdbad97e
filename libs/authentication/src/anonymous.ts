// A request with no credential at all is the anonymous user, as with kube-apiserver's default
// --anonymous-auth=true; what it may do is for the authorizer to say.
import { ANONYMOUS_USER, UNAUTHENTICATED_GROUP, type Authenticator } from './authenticator.js';

export const anonymousAuthenticator: Authenticator = {
  name: 'anonymous',
  async authenticate({ clientCertificates, bearerToken }) {
    if (clientCertificates.length > 0 || bearerToken) return { ok: false };
    return { ok: true, user: { username: ANONYMOUS_USER, uid: '', groups: [UNAUTHENTICATED_GROUP], extra: {} } };
  },
};
