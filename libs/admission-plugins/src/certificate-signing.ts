// CertificateSigning: writing a CertificateSigningRequest's certificate or conditions through its
// `status` subresource takes the `sign` verb on the signer the stored request names.
import type { AdmissionPlugin } from '@kapi/admission-chain';
import { deepEqual } from '@kapi/api-machinery';
import { admissionForbidden, isResource } from './admission-errors.js';
import { signerNameOf } from './certificate-approval.js';
import type { PluginContext } from './context.js';
import { authorizedForSigner } from './signer-authorization.js';

type CsrStatus = { certificate?: unknown; conditions?: unknown } | undefined;

export function certificateSigning(context: PluginContext): AdmissionPlugin {
  return {
    name: 'CertificateSigning',
    handles: (op) => op === 'UPDATE',
    async validate(a) {
      if (a.subresource !== 'status' || !isResource(a, 'certificates.k8s.io', 'certificatesigningrequests') || !a.object || !a.oldObject) return;
      const [before, after] = [a.oldObject.status as CsrStatus, a.object.status as CsrStatus];
      if (deepEqual(before?.certificate ?? null, after?.certificate ?? null) && deepEqual(before?.conditions ?? [], after?.conditions ?? [])) return;
      const signer = signerNameOf(a.oldObject);
      if (!(await authorizedForSigner(context.authorizer, a.user, 'sign', signer))) {
        throw admissionForbidden(a, `user not permitted to sign requests with signerName ${JSON.stringify(signer)}`);
      }
    },
  };
}
