// AdmissionReviews for the tests, shaped as kube-apiserver v1.34 sends them (see the kit's recorded
// reviews): the request's kind and resource, the user, the object as defaulted, dryRun and options.
import { randomUUID } from 'node:crypto';
import type { AdmissionReview, KubernetesObject, Operation } from '@kapi/admission-webhook-kit';

const RESOURCES: Record<string, { group: string; resource: string }> = {
  Pod: { group: '', resource: 'pods' },
  Deployment: { group: 'apps', resource: 'deployments' },
  ReplicaSet: { group: 'apps', resource: 'replicasets' },
  StatefulSet: { group: 'apps', resource: 'statefulsets' },
  DaemonSet: { group: 'apps', resource: 'daemonsets' },
  Job: { group: 'batch', resource: 'jobs' },
  CronJob: { group: 'batch', resource: 'cronjobs' },
  ConfigMap: { group: '', resource: 'configmaps' },
};

export function reviewOf(operation: Operation, object: KubernetesObject | null, oldObject: KubernetesObject | null = null): AdmissionReview {
  const subject = (object ?? oldObject)!;
  const kind = subject.kind!;
  const { group, resource } = RESOURCES[kind];
  const gvk = { group, version: 'v1', kind };
  const gvr = { group, version: 'v1', resource };
  const optionsKind = { CREATE: 'CreateOptions', UPDATE: 'UpdateOptions', DELETE: 'DeleteOptions', CONNECT: 'CreateOptions' }[operation];
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: randomUUID(),
      kind: gvk,
      resource: gvr,
      requestKind: gvk,
      requestResource: gvr,
      name: subject.metadata?.name,
      namespace: subject.metadata?.namespace,
      operation,
      userInfo: { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] },
      object,
      oldObject,
      dryRun: false,
      options: { kind: optionsKind, apiVersion: 'meta.k8s.io/v1' },
    },
  };
}

/** A container as the API server has defaulted it: `resources: {}` when the client gave none. */
export function container(name: string, resources: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, image: 'nginx:1.27', resources, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' };
}

export function deployment(name: string, namespace: string, labels: Record<string, string>, containers = [container('nginx')]): KubernetesObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers, restartPolicy: 'Always', dnsPolicy: 'ClusterFirst' } },
    },
  };
}

export function pod(name: string, namespace: string, containers: Array<Record<string, unknown>>, initContainers?: Array<Record<string, unknown>>): KubernetesObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, spec: { containers, ...(initContainers ? { initContainers } : {}) } };
}
