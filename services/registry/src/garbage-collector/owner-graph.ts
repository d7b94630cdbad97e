// The garbage collector's picture of ownership: every object by uid, and every owner's dependents.
// Pure bookkeeping, fed with etcd's changes; the controller decides what to do with it.
import type { KubeObject, OwnerReference } from '@kapi/api-machinery';

export interface GraphNode {
  uid: string;
  key: string;
  namespace?: string;
  name: string;
  owners: OwnerReference[];
  finalizers: string[];
  deleting: boolean;
}

export class OwnerGraph {
  private readonly nodes = new Map<string, GraphNode>();
  private readonly byKey = new Map<string, string>();
  private readonly dependentsOf = new Map<string, Set<string>>();

  get size(): number {
    return this.nodes.size;
  }

  node(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  dependents(ownerUid: string): GraphNode[] {
    return [...(this.dependentsOf.get(ownerUid) ?? [])].map((uid) => this.nodes.get(uid)).filter((n): n is GraphNode => !!n);
  }

  /** Records an object's current state; returns the uids whose situation may have changed. */
  put(key: string, obj: KubeObject): string[] {
    const uid = obj.metadata?.uid;
    if (!uid) return [];
    const previous = this.nodes.get(uid);
    const node: GraphNode = {
      uid,
      key,
      namespace: obj.metadata?.namespace,
      name: obj.metadata?.name ?? '',
      owners: obj.metadata?.ownerReferences ?? [],
      finalizers: obj.metadata?.finalizers ?? [],
      deleting: !!obj.metadata?.deletionTimestamp,
    };
    if (previous) for (const o of previous.owners) this.dependentsOf.get(o.uid)?.delete(uid);
    for (const o of node.owners) {
      let set = this.dependentsOf.get(o.uid);
      if (!set) this.dependentsOf.set(o.uid, (set = new Set()));
      set.add(uid);
    }
    this.nodes.set(uid, node);
    this.byKey.set(key, uid);
    // Owners the object just dropped are affected too: an orphaning owner waits for exactly that.
    return [uid, ...node.owners.map((o) => o.uid), ...(previous?.owners.map((o) => o.uid) ?? [])];
  }

  /** Forgets the object stored at `key`; returns the uids affected (it, for its dependents, and its owners). */
  remove(key: string): string[] {
    const uid = this.byKey.get(key);
    if (!uid) return [];
    this.byKey.delete(key);
    const node = this.nodes.get(uid);
    this.nodes.delete(uid);
    for (const o of node?.owners ?? []) this.dependentsOf.get(o.uid)?.delete(uid);
    return [uid, ...(node?.owners.map((o) => o.uid) ?? [])];
  }

  /** Objects at least one of whose owners is gone. */
  *withAbsentOwners(): Iterable<GraphNode> {
    for (const node of this.nodes.values()) if (node.owners.some((o) => !this.nodes.has(o.uid))) yield node;
  }
}
