// Discovery of the aggregated servers' groups, merged into the front door's own (kube-aggregator's
// discovery aggregation): every APIService with a service puts its group and version into the legacy
// /apis and /apis/<group> (as kube lists them, available or not: a client asking the version itself
// then meets the proxy's 503), and into aggregated discovery the resources its server last answered
// for /apis/<group>/<version>: `Current` while the APIService is available, `Stale` once it is not,
// left out while none were ever fetched. So an unavailable server never breaks discovery of the rest.
// Resources are fetched when the APIService changes (its availability included) and every minute,
// with the server's OpenAPI documents: where its v3 document is, and its v2 document, which the front
// door merges into /openapi/v2 as kube-aggregator does.
import { aggregatedVersion, type DiscoveredResource, type OpenApiV2Document } from '@kapi/apiserver';
import type { Logger } from '@kapi/telemetry';
import { isAvailable, type APIService } from './apiservice-proxy.js';

/** How often the resources of every available aggregated server are fetched again. */
const REFRESH_MS = 60_000;

export interface APIServiceSource {
  list(): APIService[];
  subscribe(listener: () => void): () => void;
}

/** GETs /apis/<group>/<version> from the APIService's server; its resources. */
export type FetchResources = (apiService: APIService) => Promise<DiscoveredResource[]>;

/** Where the APIService's server serves the OpenAPI v3 document of its group/version (its /openapi/v3 says), if it does. */
export type FetchOpenApiPath = (apiService: APIService) => Promise<string | undefined>;

/** The APIService's server's /openapi/v2 document, if it serves one. */
export type FetchOpenApiV2 = (apiService: APIService) => Promise<OpenApiV2Document | undefined>;

interface RemoteVersion {
  group: string;
  version: string;
  groupPriorityMinimum: number;
  versionPriority: number;
  available: boolean;
  /** The resources last fetched, undefined while none were. */
  resources?: DiscoveredResource[];
  /** The server's serverRelativeURL of its group/version's OpenAPI v3 document, last fetched. */
  openApiPath?: string;
  /** The server's OpenAPI v2 document, last fetched. */
  openApiV2?: OpenApiV2Document;
}

/** kube's version order within a group: GA before beta before alpha, higher numbers first; others by name after them. */
export function compareKubeVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return undefined;
    return { major: Number(m[1]), stage: m[2] === 'alpha' ? 0 : m[2] === 'beta' ? 1 : 2, minor: Number(m[3] ?? 0) };
  };
  const pa = parse(a);
  const pb = parse(b);
  if (pa && pb) return pb.stage - pa.stage || pb.major - pa.major || pb.minor - pa.minor;
  if (pa || pb) return pa ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export class AggregatedGroups {
  /** Changes whenever what discovery says of the aggregated groups changes. */
  generation = 0;
  private readonly versions = new Map<string, RemoteVersion>();
  private readonly timer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly apiServices: APIServiceSource,
    private readonly fetchResources: FetchResources,
    private readonly logger?: Logger,
    private readonly fetchOpenApiPath?: FetchOpenApiPath,
    private readonly fetchOpenApiV2?: FetchOpenApiV2,
  ) {
    this.unsubscribe = apiServices.subscribe(() => this.sync(false));
    this.timer = setInterval(() => this.sync(true), REFRESH_MS);
    this.timer.unref();
    this.sync(false);
  }

  stop(): void {
    clearInterval(this.timer);
    this.unsubscribe();
  }

  /** The aggregated groups and their versions, most preferred first, in kube's order of groups (groupPriorityMinimum, then name). */
  groups(): Map<string, string[]> {
    const byGroup = new Map<string, RemoteVersion[]>();
    for (const v of this.versions.values()) byGroup.set(v.group, [...(byGroup.get(v.group) ?? []), v]);
    const priority = (vs: RemoteVersion[]) => Math.max(...vs.map((v) => v.groupPriorityMinimum));
    return new Map(
      [...byGroup]
        .sort(([ga, a], [gb, b]) => priority(b) - priority(a) || (ga < gb ? -1 : ga > gb ? 1 : 0))
        .map(([group, vs]) => [group, vs.sort((a, b) => b.versionPriority - a.versionPriority || compareKubeVersions(a.version, b.version)).map((v) => v.version)]),
    );
  }

  /**
   * The aggregated groups as items of an APIGroupDiscoveryList: a version whose resources are known
   * with them, one whose server never answered as kube shows it, `Stale` without resources.
   */
  discoveryItems() {
    return [...this.groups()].map(([group, versions]) => ({
      metadata: { name: group, creationTimestamp: null },
      versions: versions.map((version) => {
        const v = this.versions.get(`${version}.${group}`)!;
        return v.resources ? aggregatedVersion(v.version, v.resources, v.available ? 'Current' : 'Stale') : { version, freshness: 'Stale' as const };
      }),
    }));
  }

  private sync(refetch: boolean): void {
    const seen = new Set<string>();
    for (const apiService of this.apiServices.list()) {
      const spec = apiService.spec;
      const name = apiService.metadata?.name ?? '';
      if (!spec?.service || !spec.group || !spec.version) continue;
      seen.add(name);
      const before = this.versions.get(name);
      const now: RemoteVersion = {
        group: spec.group,
        version: spec.version,
        groupPriorityMinimum: spec.groupPriorityMinimum ?? 0,
        versionPriority: spec.versionPriority ?? 0,
        available: isAvailable(apiService),
        resources: before?.resources,
        openApiPath: before?.openApiPath,
        openApiV2: before?.openApiV2,
      };
      const fetched = { resources: 0, openApiPath: 0, openApiV2: 0 };
      if (!before || JSON.stringify({ ...before, ...fetched }) !== JSON.stringify({ ...now, ...fetched })) {
        this.versions.set(name, now);
        this.generation++;
      }
      // An available server is asked for its resources when it became available and on each refresh.
      if (now.available && (refetch || !before?.available || before.resources === undefined)) void this.fetch(name, apiService);
    }
    for (const name of [...this.versions.keys()]) {
      if (seen.has(name)) continue;
      this.versions.delete(name);
      this.generation++;
    }
  }

  /**
   * The OpenAPI v3 documents of the available aggregated group/versions, by the key kube's
   * /openapi/v3 lists them under (`apis/<group>/<version>`): the path on the server, which the
   * front door proxies.
   */
  openApiPaths(): Map<string, string> {
    const paths = new Map<string, string>();
    for (const v of this.versions.values()) if (v.available && v.openApiPath) paths.set(`apis/${v.group}/${v.version}`, v.openApiPath);
    return paths;
  }

  /**
   * The OpenAPI v2 documents of the available aggregated servers, in discovery's order (kube merges
   * them by group and version priority), each server's once.
   */
  openApiV2Documents(): OpenApiV2Document[] {
    const documents: OpenApiV2Document[] = [];
    for (const [group, versions] of this.groups()) {
      for (const version of versions) {
        const v = this.versions.get(`${version}.${group}`);
        if (v?.available && v.openApiV2 && !documents.includes(v.openApiV2)) documents.push(v.openApiV2);
      }
    }
    return documents;
  }

  private async fetch(name: string, apiService: APIService): Promise<void> {
    await this.refresh(name, 'resources', () => this.fetchResources(apiService), 'the discovery');
    const { fetchOpenApiPath, fetchOpenApiV2 } = this;
    if (fetchOpenApiPath) await this.refresh(name, 'openApiPath', () => fetchOpenApiPath(apiService), 'the OpenAPI v3 index');
    if (fetchOpenApiV2) await this.refresh(name, 'openApiV2', () => fetchOpenApiV2(apiService), 'the OpenAPI v2 document');
  }

  /** Fetches one thing the server says; a change moves the generation on, a failure keeps what was known. */
  private async refresh<K extends 'resources' | 'openApiPath' | 'openApiV2'>(name: string, field: K, fetch: () => Promise<RemoteVersion[K]>, what: string): Promise<void> {
    try {
      const value = await fetch();
      const entry = this.versions.get(name);
      if (entry && JSON.stringify(entry[field]) !== JSON.stringify(value)) {
        entry[field] = value;
        this.generation++;
      }
    } catch (err) {
      this.logger?.warn(`cannot read ${what} of an aggregated API server`, { apiService: name, err: (err as Error).message });
    }
  }
}
