// kapi's built-in admission plugins, registered under kube's names. The webhook and policy plugins
// come from their own libs and are registered beside these by the admission service.
import { alwaysAdmit, alwaysDeny } from './always.js';
import { alwaysPullImages } from './always-pull-images.js';
import { certificateApproval } from './certificate-approval.js';
import { certificateSigning } from './certificate-signing.js';
import { certificateSubjectRestriction } from './certificate-subject-restriction.js';
import { clusterTrustBundleAttest } from './cluster-trust-bundle-attest.js';
import { defaultIngressClass } from './default-ingress-class.js';
import { defaultStorageClass } from './default-storage-class.js';
import { defaultTolerationSeconds } from './default-toleration-seconds.js';
import { eventRateLimit } from './event-rate-limit.js';
import { limitRanger } from './limit-ranger.js';
import { namespaceLifecycle } from './namespace-lifecycle.js';
import { nodeRestriction } from './node-restriction.js';
import { persistentVolumeClaimResize } from './persistent-volume-claim-resize.js';
import { podSecurity } from './pod-security.js';
import { AdmissionPluginRegistry } from './plugins.js';
import { priority } from './priority.js';
import { resourceQuota } from './resource-quota.js';
import { runtimeClass } from './runtime-class.js';
import { serviceAccount } from './service-account.js';
import { storageObjectInUseProtection } from './storage-object-in-use-protection.js';
import { taintNodesByCondition } from './taint-nodes-by-condition.js';

export function builtinPlugins(): AdmissionPluginRegistry {
  return new AdmissionPluginRegistry()
    .register('AlwaysAdmit', alwaysAdmit)
    .register('NamespaceLifecycle', namespaceLifecycle)
    .register('LimitRanger', limitRanger)
    .register('ServiceAccount', (context) => serviceAccount(context))
    .register('NodeRestriction', nodeRestriction)
    .register('TaintNodesByCondition', taintNodesByCondition)
    .register('AlwaysPullImages', alwaysPullImages)
    .register('PodSecurity', podSecurity)
    .register('Priority', priority)
    .register('DefaultTolerationSeconds', defaultTolerationSeconds)
    .register('EventRateLimit', eventRateLimit)
    .register('DefaultStorageClass', defaultStorageClass)
    .register('StorageObjectInUseProtection', storageObjectInUseProtection)
    .register('PersistentVolumeClaimResize', persistentVolumeClaimResize)
    .register('RuntimeClass', runtimeClass)
    .register('CertificateApproval', certificateApproval)
    .register('CertificateSigning', certificateSigning)
    .register('ClusterTrustBundleAttest', clusterTrustBundleAttest)
    .register('CertificateSubjectRestriction', certificateSubjectRestriction)
    .register('DefaultIngressClass', defaultIngressClass)
    .register('ResourceQuota', resourceQuota)
    .register('AlwaysDeny', alwaysDeny);
}
