// NodeRestriction (off by default; the Node authorizer's companion): what a kubelet, user
// system:node:<name> in system:nodes, may write about itself. Mirror pods only, bound to itself and
// owned by its Node, referencing no other object; status and evictions only of pods bound to it; its
// own Node object, without new taints, a configSource or labels outside the kubelet's own; a claim's
// status capacity and conditions; tokens only for pods bound to it; its own Lease in kube-node-lease,
// its own CSINode and ResourceSlices. Anyone else passes untouched.
import type { AdmissionAttributes, AdmissionPlugin } from '@kapi/admission-chain';
import { badRequest, deepEqual, notFound, type KubeObject } from '@kapi/api-machinery';
import { nodeIdentity } from '@kapi/authorization';
import { admissionForbidden, isResource } from './admission-errors.js';
import { RESOURCES, type PluginContext } from './context.js';
import { isMirrorPod, MIRROR_POD_ANNOTATION, podConfigMapNames, podSecretNames, specOf, volumesOf, type Json } from './pods.js';

const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const NODE_RESTRICTION_LABEL_NAMESPACE = 'node-restriction.kubernetes.io';
/** The labels a kubelet sets on its own Node (kubeletapis.IsKubeletLabel). */
const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
  'kubernetes.io/os',
  'kubernetes.io/arch',
]);
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

const labelNamespace = (key: string) => (key.includes('/') ? key.slice(0, key.indexOf('/')) : '');
const inNamespace = (ns: string, domain: string) => ns === domain || ns.endsWith(`.${domain}`);
const isKubernetesLabel = (key: string) => inNamespace(labelNamespace(key), 'kubernetes.io') || inNamespace(labelNamespace(key), 'k8s.io');
const isKubeletLabel = (key: string) => KUBELET_LABELS.has(key) || KUBELET_LABEL_NAMESPACES.some((ns) => inNamespace(labelNamespace(key), ns));

/** The label keys added, removed or changed between two label maps. */
function modifiedLabels(a: Record<string, string> = {}, b: Record<string, string> = {}): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => a[k] !== b[k]);
}

/** The labels a node may not set: node-restriction ones, and kubernetes.io / k8s.io ones the kubelet does not own. */
function forbiddenLabels(keys: string[]): string[] {
  return keys.filter((k) => inNamespace(labelNamespace(k), NODE_RESTRICTION_LABEL_NAMESPACE) || (isKubernetesLabel(k) && !isKubeletLabel(k))).sort();
}

export function nodeRestriction(context: PluginContext): AdmissionPlugin {
  const getPod = async (a: AdmissionAttributes, name: string) => {
    const pod = await context.api.get(RESOURCES.pods, a.resource.namespace, name);
    if (!pod) throw notFound({ group: '', resource: 'pods' }, name);
    return pod;
  };
  const nodeNameOf = (pod: KubeObject) => (pod.spec as { nodeName?: string } | undefined)?.nodeName ?? '';

  async function admitPodCreate(node: string, a: AdmissionAttributes): Promise<void> {
    const pod = a.object!;
    const spec = specOf(structuredClone(pod));
    if (!isMirrorPod(pod)) throw admissionForbidden(a, `pod does not have "${MIRROR_POD_ANNOTATION}" annotation, node "${node}" can only create mirror pods`);
    if (spec.nodeName !== node) throw admissionForbidden(a, `node "${node}" can only create pods with spec.nodeName set to itself`);
    const owners = pod.metadata?.ownerReferences ?? [];
    if (owners.length > 1) throw admissionForbidden(a, `node "${node}" can only create pods with a single owner reference set to itself`);
    if (owners.length === 0) throw admissionForbidden(a, `node "${node}" can only create pods with an owner reference set to itself`);
    const owner = owners[0] ?? {};
    if (owner.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== node) throw admissionForbidden(a, `node "${node}" can only create pods with an owner reference set to itself`);
    if (owner.controller !== true) throw admissionForbidden(a, `node "${node}" can only create pods with a controller owner reference set to itself`);
    if (owner.blockOwnerDeletion === true) throw admissionForbidden(a, `node "${node}" must not set blockOwnerDeletion on an owner reference`);
    const nodeObject = await context.api.get(RESOURCES.nodes, '', node);
    if (!nodeObject) throw notFound({ group: '', resource: 'nodes' }, node);
    if (owner.uid !== nodeObject.metadata?.uid) throw admissionForbidden(a, `node ${node} UID mismatch: expected ${owner.uid ?? ''} got ${nodeObject.metadata?.uid ?? ''}`);
    if (spec.serviceAccountName) throw admissionForbidden(a, `node "${node}" can not create pods that reference a service account`);
    if (podSecretNames(spec).length) throw admissionForbidden(a, `node "${node}" can not create pods that reference secrets`);
    if (podConfigMapNames(spec).length) throw admissionForbidden(a, `node "${node}" can not create pods that reference configmaps`);
    for (const v of volumesOf(spec)) {
      if ((v.projected?.sources ?? []).some?.((s: Json) => s?.clusterTrustBundle)) throw admissionForbidden(a, `node "${node}" can not create pods that use clustertrustbundles`);
    }
    for (const v of volumesOf(spec)) {
      if (v.persistentVolumeClaim) throw admissionForbidden(a, `node "${node}" can not create pods that reference persistentvolumeclaims`);
    }
    if (Array.isArray(spec.resourceClaims) && spec.resourceClaims.length) throw admissionForbidden(a, `node "${node}" can not create pods that reference resourceclaims`);
  }

  async function admitPod(node: string, a: AdmissionAttributes): Promise<void> {
    switch (a.subresource) {
      case '':
        if (a.operation === 'CREATE') return admitPodCreate(node, a);
        if (a.operation === 'DELETE') {
          const existing = a.oldObject ?? (await getPod(a, a.name));
          if (nodeNameOf(existing) !== node) throw admissionForbidden(a, `node "${node}" can only delete pods with spec.nodeName set to itself`);
          return;
        }
        throw admissionForbidden(a, `unexpected operation "${a.operation}", node "${node}" can only create and delete mirror pods`);
      case 'status': {
        if (a.operation !== 'UPDATE' || !a.oldObject || !a.object) throw admissionForbidden(a, `unexpected operation "${a.operation}"`);
        if (nodeNameOf(a.oldObject) !== node) throw admissionForbidden(a, `node "${node}" can only update pod status for pods with spec.nodeName set to itself`);
        if (!deepEqual(a.oldObject.metadata?.labels ?? {}, a.object.metadata?.labels ?? {})) throw admissionForbidden(a, `node "${node}" cannot update labels through pod status`);
        const claims = (o: KubeObject) => (o.status as { resourceClaimStatuses?: unknown } | undefined)?.resourceClaimStatuses ?? [];
        if (!deepEqual(claims(a.oldObject), claims(a.object))) throw admissionForbidden(a, `node "${node}" cannot update resource claim statues`);
        return;
      }
      case 'eviction': {
        if (a.operation !== 'CREATE') throw admissionForbidden(a, `unexpected operation ${a.operation}`);
        const podName = a.name || a.object?.metadata?.name;
        if (!podName) throw badRequest('could not determine pod from request data');
        if (nodeNameOf(await getPod(a, podName)) !== node) throw admissionForbidden(a, `node ${node} can only evict pods with spec.nodeName set to itself`);
        return;
      }
      default:
        throw admissionForbidden(a, `unexpected pod subresource "${a.subresource}", only 'status' and 'eviction' are allowed`);
    }
  }

  function admitNode(node: string, a: AdmissionAttributes): void {
    if (a.name !== node) throw admissionForbidden(a, `node "${node}" is not allowed to modify node "${a.name}"`);
    const spec = (o: KubeObject | undefined) => (o?.spec ?? {}) as { configSource?: unknown; taints?: unknown[] };
    if (a.operation === 'CREATE' && a.object) {
      if (spec(a.object).configSource != null) throw admissionForbidden(a, `node "${node}" is not allowed to create pods with a non-nil configSource`);
      const refused = forbiddenLabels(modifiedLabels(a.object.metadata?.labels, undefined));
      if (refused.length) throw admissionForbidden(a, `node "${node}" is not allowed to set the following labels: ${refused.join(', ')}`);
    }
    if (a.operation === 'UPDATE' && a.object && a.oldObject) {
      const [now, before] = [spec(a.object), spec(a.oldObject)];
      if (now.configSource != null && !deepEqual(now.configSource, before.configSource)) throw admissionForbidden(a, `node "${node}" is not allowed to update configSource to a new non-nil configSource`);
      if (!deepEqual(now.taints ?? [], before.taints ?? [])) throw admissionForbidden(a, `node "${node}" is not allowed to modify taints`);
      const refused = forbiddenLabels(modifiedLabels(a.object.metadata?.labels, a.oldObject.metadata?.labels));
      // kube words this one without the node's name.
      if (refused.length) throw admissionForbidden(a, `is not allowed to modify labels: ${refused.join(', ')}`);
    }
  }

  function admitClaimStatus(node: string, a: AdmissionAttributes): void {
    if (a.subresource !== 'status') throw admissionForbidden(a, 'may only update PVC status');
    if (a.operation !== 'UPDATE' || !a.object || !a.oldObject) throw admissionForbidden(a, `unexpected operation "${a.operation}"`);
    // Only status.capacity, status.conditions and the allocated resources may change.
    const comparable = (claim: KubeObject) => {
      const copy = structuredClone(claim) as KubeObject & { status?: Json };
      copy.metadata = { ...copy.metadata, resourceVersion: undefined, managedFields: undefined };
      if (copy.status) for (const key of ['capacity', 'conditions', 'allocatedResources', 'allocatedResourceStatuses']) delete copy.status[key];
      return JSON.parse(JSON.stringify(copy));
    };
    if (!deepEqual(comparable(a.oldObject), comparable(a.object))) {
      throw admissionForbidden(a, `node "${node}" is not allowed to update fields other than status.capacity and status.conditions`);
    }
  }

  async function admitTokenRequest(node: string, a: AdmissionAttributes): Promise<void> {
    if (a.operation !== 'CREATE' || a.subresource !== 'token') return;
    const ref = (a.object?.spec as { boundObjectRef?: { apiVersion?: string; kind?: string; name?: string; uid?: string } } | undefined)?.boundObjectRef;
    if (!ref || ref.apiVersion !== 'v1' || ref.kind !== 'Pod' || !ref.name) throw admissionForbidden(a, 'node requested token not bound to a pod');
    if (!ref.uid) throw admissionForbidden(a, 'node requested token with a pod binding without a uid');
    const pod = await getPod(a, ref.name);
    if (ref.uid !== pod.metadata?.uid) {
      throw admissionForbidden(a, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
    }
    if (nodeNameOf(pod) !== node) throw admissionForbidden(a, 'node requested token bound to a pod scheduled on a different node');
  }

  function admitLease(node: string, a: AdmissionAttributes): void {
    if (a.resource.namespace !== NODE_LEASE_NAMESPACE) throw admissionForbidden(a, `can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
    const name = a.operation === 'CREATE' ? a.object?.metadata?.name : a.name;
    if (name !== node) throw admissionForbidden(a, 'can only access node lease with the same name as the requesting node');
  }

  function admitCsiNode(node: string, a: AdmissionAttributes): void {
    const name = a.operation === 'CREATE' ? a.object?.metadata?.name : a.name;
    if (name !== node) throw admissionForbidden(a, 'can only access CSINode with the same name as the requesting node');
  }

  function admitResourceSlice(node: string, a: AdmissionAttributes): void {
    const sliceNode = (o: KubeObject | undefined) => (o?.spec as { nodeName?: string } | undefined)?.nodeName;
    if (a.operation === 'CREATE' && sliceNode(a.object) !== node) throw admissionForbidden(a, 'can only create ResourceSlice with the same NodeName as the requesting node');
    if (a.operation === 'DELETE' && sliceNode(a.oldObject) !== node) throw admissionForbidden(a, 'can only delete ResourceSlice with the same NodeName as the requesting node');
  }

  return {
    name: 'NodeRestriction',
    handles: (op) => op === 'CREATE' || op === 'UPDATE' || op === 'DELETE',
    async admit(a) {
      // Only nodes are restricted: a user named system:node:<name> in the system:nodes group.
      if (!a.user.username.startsWith('system:node:') || !a.user.groups.includes('system:nodes')) return undefined;
      const node = nodeIdentity(a.user);
      if (!node) throw admissionForbidden(a, `could not determine node from user "${a.user.username}"`);
      if (isResource(a, '', 'pods')) await admitPod(node, a);
      else if (isResource(a, '', 'nodes')) admitNode(node, a);
      else if (isResource(a, '', 'persistentvolumeclaims')) admitClaimStatus(node, a);
      else if (isResource(a, '', 'serviceaccounts')) await admitTokenRequest(node, a);
      else if (isResource(a, 'coordination.k8s.io', 'leases')) admitLease(node, a);
      else if (isResource(a, 'storage.k8s.io', 'csinodes')) admitCsiNode(node, a);
      else if (isResource(a, 'resource.k8s.io', 'resourceslices')) admitResourceSlice(node, a);
      return undefined;
    },
  };
}
