// kube's certificates.IsAuthorizedForSignerName: whether a user may approve, sign or attest for a
// signer, asked of the authorizer as a verb on certificates.k8s.io `signers` named by the signer, or
// by its domain's wildcard (`kubernetes.io/*`).
import type { UserInfoLike } from '@kapi/admission-chain';
import type { SubjectAuthorizer } from './context.js';

export async function authorizedForSigner(authorizer: SubjectAuthorizer, user: UserInfoLike, verb: string, signerName: string): Promise<boolean> {
  const ask = (name: string) => authorizer.allowed(user, { verb, group: 'certificates.k8s.io', resource: 'signers', name }).catch(() => false);
  if (await ask(signerName)) return true;
  return ask(`${signerName.split('/')[0]}/*`);
}
