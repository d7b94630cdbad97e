// CertificateApproval: approving or denying a CertificateSigningRequest (its `approval` subresource)
// takes the `approve` verb on the signer the request names, checked against the new object.
import type { AdmissionPlugin } from '@kapi/admission-chain';
import type { KubeObject } from '@kapi/api-machinery';
import { admissionForbidden, isResource } from './admission-errors.js';
import type { PluginContext } from './context.js';
import { authorizedForSigner } from './signer-authorization.js';

export const signerNameOf = (csr: KubeObject | undefined) => String((csr?.spec as { signerName?: string } | undefined)?.signerName ?? '');

export function certificateApproval(context: PluginContext): AdmissionPlugin {
  return {
    name: 'CertificateApproval',
    handles: (op) => op === 'UPDATE',
    async validate(a) {
      if (a.subresource !== 'approval' || !isResource(a, 'certificates.k8s.io', 'certificatesigningrequests')) return;
      const signer = signerNameOf(a.object);
      if (!(await authorizedForSigner(context.authorizer, a.user, 'approve', signer))) {
        throw admissionForbidden(a, `user not permitted to approve requests with signerName ${JSON.stringify(signer)}`);
      }
    },
  };
}
