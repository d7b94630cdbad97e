// NamespaceLifecycle: no new content in a namespace that does not exist (404) or is terminating
// (403, with kube's NamespaceTerminating cause), and kube's immortal namespaces (default,
// kube-system, kube-public) may not be deleted. Namespaces are read from an informer; a namespace
// it has not seen gets 50 ms to appear, then a live lookup, and one this replica saw deleted is
// looked up live for 30 s, as kube's plugin does.
import type { AdmissionAttributes, AdmissionPlugin } from '@kapi/admission-chain';
import { notFound, type KubeObject } from '@kapi/api-machinery';
import { admissionForbidden, isKind } from './admission-errors.js';
import { RESOURCES, type PluginContext } from './context.js';
import { waitForReady } from './ready.js';

export const IMMORTAL_NAMESPACES: ReadonlySet<string> = new Set(['default', 'kube-system', 'kube-public']);
const FORCE_LIVE_LOOKUP_MS = 30_000;
const FORCE_LIVE_LOOKUP_ENTRIES = 100;
const MISSING_NAMESPACE_WAIT_MS = 50;

/** Resources that reveal permissions in a namespace: answering "not found" would leak its existence. */
const ACCESS_REVIEWS = new Set(['authorization.k8s.io/localsubjectaccessreviews']);

const phaseOf = (ns: KubeObject) => (ns.status as { phase?: string } | undefined)?.phase;

export function namespaceLifecycle(context: PluginContext): AdmissionPlugin {
  const namespaces = context.informers.informerFor(RESOURCES.namespaces);
  const now = context.now ?? Date.now;
  /** Namespaces this replica saw deleted: their cached state may lag, so they are read live. */
  const forceLiveLookup = new Map<string, number>();

  async function admit(a: AdmissionAttributes): Promise<undefined> {
    const isNamespace = isKind(a, '', 'Namespace');
    if (a.operation === 'DELETE' && isNamespace && IMMORTAL_NAMESPACES.has(a.name)) {
      throw admissionForbidden(a, 'this namespace may not be deleted');
    }
    // Cluster-scoped resources have no namespace to check.
    if (!a.resource.namespace && !isNamespace) return undefined;
    if (isNamespace) {
      if (a.operation === 'DELETE') {
        forceLiveLookup.delete(a.name);
        forceLiveLookup.set(a.name, now() + FORCE_LIVE_LOOKUP_MS);
        // kube keeps the last 100 in an LRU; the oldest entry goes first here too.
        if (forceLiveLookup.size > FORCE_LIVE_LOOKUP_ENTRIES) forceLiveLookup.delete(forceLiveLookup.keys().next().value!);
      }
      return undefined;
    }
    // Deleting and updating what is already there is always allowed.
    if (a.operation === 'DELETE' || a.operation === 'UPDATE') return undefined;
    if (ACCESS_REVIEWS.has(`${a.resource.group}/${a.resource.resource}`)) return undefined;

    await waitForReady(a, [namespaces]);
    const name = a.resource.namespace;
    let namespace = namespaces.get('', name);
    if (!namespace && a.operation === 'CREATE') {
      // Give the cache a moment to see a namespace created just before.
      await new Promise((r) => setTimeout(r, MISSING_NAMESPACE_WAIT_MS));
      namespace = namespaces.get('', name);
    }
    const until = forceLiveLookup.get(name);
    if (until !== undefined && until <= now()) forceLiveLookup.delete(name);
    const stale = until !== undefined && until > now() && !!namespace && phaseOf(namespace) === 'Active';
    if (!namespace || stale) {
      namespace = await context.api.get(RESOURCES.namespaces, '', name);
      if (!namespace) throw notFound({ group: '', resource: 'namespaces' }, name);
    }
    if (a.operation === 'CREATE' && phaseOf(namespace) === 'Terminating') {
      throw admissionForbidden(a, `unable to create new content in namespace ${name} because it is being terminated`, [
        { reason: 'NamespaceTerminating', message: `namespace ${name} is being terminated`, field: 'metadata.namespace' },
      ]);
    }
    return undefined;
  }

  return {
    name: 'NamespaceLifecycle',
    handles: (op) => op === 'CREATE' || op === 'UPDATE' || op === 'DELETE',
    admit,
  };
}
