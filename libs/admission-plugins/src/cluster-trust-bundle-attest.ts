// ClusterTrustBundleAttest: a ClusterTrustBundle that names a signer may be written only by a user
// with the `attest` verb on that signer; an update that changes nothing is let through (storage
// migration, garbage collection).
import type { AdmissionPlugin } from '@kapi/admission-chain';
import { deepEqual } from '@kapi/api-machinery';
import { admissionForbidden, isResource } from './admission-errors.js';
import { signerNameOf } from './certificate-approval.js';
import type { PluginContext } from './context.js';
import { authorizedForSigner } from './signer-authorization.js';

export function clusterTrustBundleAttest(context: PluginContext): AdmissionPlugin {
  return {
    name: 'ClusterTrustBundleAttest',
    handles: (op) => op === 'CREATE' || op === 'UPDATE',
    async validate(a) {
      if (!isResource(a, 'certificates.k8s.io', 'clustertrustbundles') || !a.object) return;
      const signer = signerNameOf(a.object);
      if (!signer) return;
      if (a.operation === 'UPDATE' && deepEqual(a.oldObject, a.object)) return;
      if (!(await authorizedForSigner(context.authorizer, a.user, 'attest', signer))) {
        throw admissionForbidden(a, `user not permitted to attest for signerName ${JSON.stringify(signer)}`);
      }
    },
  };
}
