// What one watcher asks for: a namespace (or all of them) and a label selector. The test evaluates
// the selector itself, independently of kapi, to filter etcd's history into what that watcher is
// owed. Only the selector forms the chaos test uses are understood: k=v, k==v, k!=v, k in (a,b),
// k notin (a,b), k and !k, joined by commas.

export interface WatchFilter {
  /** Empty for every namespace. */
  namespace: string;
  /** Empty for every object. */
  labelSelector: string;
}

type Requirement = (labels: Record<string, string>) => boolean;

const KEY = '[A-Za-z0-9][-A-Za-z0-9_./]*';

export function parseSelector(selector: string): Requirement[] {
  const requirements: Requirement[] = [];
  // Commas inside (…) belong to a set; split only on the others.
  const parts = selector.split(/,(?![^(]*\))/).map((part) => part.trim()).filter(Boolean);
  for (const part of parts) {
    let m: RegExpMatchArray | null;
    if ((m = part.match(new RegExp(`^(${KEY})\\s+(in|notin)\\s+\\(([^)]*)\\)$`)))) {
      const [, key, op, list] = m;
      const values = new Set(list.split(',').map((v) => v.trim()));
      requirements.push(op === 'in' ? (l) => key in l && values.has(l[key]) : (l) => !(key in l) || !values.has(l[key]));
    } else if ((m = part.match(new RegExp(`^(${KEY})\\s*(!=|==|=)\\s*(.*)$`)))) {
      const [, key, op, value] = m;
      requirements.push(op === '!=' ? (l) => l[key] !== value.trim() : (l) => l[key] === value.trim());
    } else if ((m = part.match(new RegExp(`^!\\s*(${KEY})$`)))) {
      const key = m[1];
      requirements.push((l) => !(key in l));
    } else if ((m = part.match(new RegExp(`^(${KEY})$`)))) {
      const key = m[1];
      requirements.push((l) => key in l);
    } else {
      throw new Error(`the chaos test does not understand the selector part ${JSON.stringify(part)}`);
    }
  }
  return requirements;
}

/** A predicate on (namespace, object) telling whether the watcher is owed this object. */
export function matcherOf(filter: WatchFilter): (namespace: string, object: { metadata?: { labels?: Record<string, string> } }) => boolean {
  const requirements = parseSelector(filter.labelSelector);
  return (namespace, object) => {
    if (filter.namespace && namespace !== filter.namespace) return false;
    const labels = object.metadata?.labels ?? {};
    return requirements.every((requirement) => requirement(labels));
  };
}

/** The collection path of configmaps for a filter, e.g. /api/v1/namespaces/a/configmaps. */
export function collectionPath(filter: WatchFilter): string {
  return filter.namespace ? `/api/v1/namespaces/${filter.namespace}/configmaps` : '/api/v1/configmaps';
}

export function describeFilter(filter: WatchFilter): string {
  return `${filter.namespace ? `namespace ${filter.namespace}` : 'all namespaces'}${filter.labelSelector ? `, labelSelector ${filter.labelSelector}` : ''}`;
}
