// The mutating webhook: every container (and init container) of a new Pod or pod template that
// requests nothing gets default CPU and memory requests, so the scheduler and quotas see a size.
import { allow, mutate, mutating, type AdmissionRequest, type KubernetesObject, type Webhook } from '@kapi/admission-webhook-kit';

/** The namespace label that asks for defaults (matched by the MutatingWebhookConfiguration). */
export const DEFAULT_REQUESTS_NAMESPACE_LABEL = 'kapi.example/default-requests';

export interface ResourceRequests {
  cpu: string;
  memory: string;
}

export const DEFAULT_REQUESTS: ResourceRequests = { cpu: '100m', memory: '128Mi' };

interface Container {
  name?: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string>; [field: string]: unknown };
  [field: string]: unknown;
}

interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  [field: string]: unknown;
}

/** Where each kind the configuration sends keeps its pod spec. */
const POD_SPEC_PATHS: Record<string, string[]> = {
  '/Pod': ['spec'],
  'apps/Deployment': ['spec', 'template', 'spec'],
  'apps/ReplicaSet': ['spec', 'template', 'spec'],
  'apps/StatefulSet': ['spec', 'template', 'spec'],
  'apps/DaemonSet': ['spec', 'template', 'spec'],
  'batch/Job': ['spec', 'template', 'spec'],
  'batch/CronJob': ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** The kinds whose pod spec this webhook knows, as `<group>/<Kind>`. */
export const DEFAULTED_KINDS = Object.keys(POD_SPEC_PATHS);

export function defaultRequests(requests: ResourceRequests = DEFAULT_REQUESTS): Webhook {
  return mutating((request) => decide(request, requests));
}

function decide(request: AdmissionRequest, requests: ResourceRequests) {
  const path = POD_SPEC_PATHS[`${request.kind.group}/${request.kind.kind}`];
  if (!path || request.operation !== 'CREATE' || !request.object) return allow();
  const object = structuredClone(request.object);
  const spec = podSpecAt(object, path);
  if (!spec) return allow();
  const defaulted: string[] = [];
  for (const container of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    if (fillRequests(container, requests)) defaulted.push(container.name ?? '');
  }
  if (defaulted.length === 0) return allow();
  const what = Object.entries(requests).map(([resource, quantity]) => `${resource}: ${quantity}`).join(', ');
  return mutate(object, {
    warnings: defaulted.map((name) => `container ${JSON.stringify(name)} has no resource requests; the default ones were added (${what})`),
    auditAnnotations: { 'defaulted-containers': defaulted.join(',') },
  });
}

function podSpecAt(object: KubernetesObject, path: string[]): PodSpec | undefined {
  let at: unknown = object;
  for (const field of path) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[field];
  }
  return typeof at === 'object' && at !== null ? (at as PodSpec) : undefined;
}

/**
 * Gives a container that requests nothing the default requests; true when it did. A resource with
 * a limit is left alone: the API server defaults its request to the limit, and a default above the
 * limit would make the object invalid.
 */
function fillRequests(container: Container, requests: ResourceRequests): boolean {
  const existing = container.resources?.requests;
  if (existing && Object.keys(existing).length > 0) return false;
  const limits = container.resources?.limits ?? {};
  const added = Object.fromEntries(Object.entries(requests).filter(([resource]) => limits[resource] === undefined));
  if (Object.keys(added).length === 0) return false;
  container.resources = { ...container.resources, requests: added };
  return true;
}
