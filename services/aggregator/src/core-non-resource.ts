// The core API's non-resource paths (kube's NonGoRestfulMux and discovery): the health checks,
// /version, /metrics, the service-account issuer's documents, OpenAPI v2 and v3, and discovery of
// every group the catalogue serves, legacy and aggregated: the built-in ones and the custom resources'
// (kube's aggregator, too, answers one discovery for all of them). A path it does not know is delegated.
import { StatusError } from '@kapi/api-machinery';
import {
  AGGREGATED_DISCOVERY_CONTENT_TYPE,
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  documentHash,
  groupEntry,
  OpenApiEndpoints,
  routeNotFound,
  send,
  sendJson,
  wantsAggregatedDiscovery,
} from '@kapi/apiserver';
import type { KindCatalogue } from '@kapi/kinds';
import { builtinSchemas } from '@kapi/schema';
import { metrics, PROMETHEUS_CONTENT_TYPE } from '@kapi/telemetry';
import type { AggregatedGroups } from './apiservice-discovery.js';
import type { FrontDoorHandler, FrontDoorRequest } from './front-door-chain.js';
import type { HealthEndpoints } from './health.js';
import { JWKS_PATH, OPENID_CONFIGURATION_PATH, type IssuerDocuments } from './issuer-discovery.js';

export const VERSION_INFO = {
  major: '1',
  minor: '33',
  gitVersion: 'v1.33.0-kapi',
  gitCommit: '',
  gitTreeState: 'clean',
  buildDate: '2026-11-26T00:00:00Z',
  goVersion: 'node' + process.versions.node,
  compiler: 'tsc',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

/** What the non-resource paths answer from. */
export interface NonResourceSources {
  catalogue: KindCatalogue;
  health: Pick<HealthEndpoints, 'answer'>;
  /** host:port of this front door, as legacy discovery (/api) names it. */
  serverAddress: string;
  issuer?: IssuerDocuments;
  /** The aggregated servers' groups (apiservice-discovery.ts), merged into discovery. */
  aggregated?: Pick<AggregatedGroups, 'generation' | 'groups' | 'discoveryItems' | 'openApiPaths' | 'openApiV2Documents'>;
}

export class CoreNonResourceHandler implements FrontDoorHandler {
  readonly name = 'core API: non-resource paths';
  /** The OpenAPI documents: v2 and v3 of the built-in kinds, and v3 of the custom resources. */
  private readonly openApi: OpenApiEndpoints;
  /**
   * Aggregated discovery for /api and /apis, identical on every replica since it derives from the
   * catalogue alone; rebuilt when the kinds served change (custom resources), and its ETag with it.
   */
  private aggregatedDiscovery = new Map<string, { body: string; etag: string }>();
  private discoveryGeneration = '';
  /** /openapi/v3 with the aggregated servers' documents, for one generation of them. */
  private openApiIndex?: { generation: number; body: Buffer; etag: string };

  constructor(private readonly sources: NonResourceSources) {
    this.openApi = new OpenApiEndpoints(sources.catalogue, builtinSchemas(), VERSION_INFO.gitVersion, sources.aggregated);
  }

  private discoveryDocument(path: string): { body: string; etag: string } {
    const { catalogue, aggregated } = this.sources;
    const generation = `${catalogue.generation}/${aggregated?.generation ?? 0}`;
    if (this.discoveryGeneration !== generation) {
      const documents = new Map<string, { body: string; etag: string }>();
      for (const [at, legacy] of [['/api', true], ['/apis', false]] as const) {
        const own = aggregatedDiscovery(catalogue, legacy);
        const local = new Set(own.items.map((i) => i.metadata.name));
        const doc = legacy || !aggregated ? own : { ...own, items: [...own.items, ...aggregated.discoveryItems().filter((i) => !local.has(i.metadata.name))] };
        documents.set(at, { body: JSON.stringify(doc), etag: documentHash(doc) });
      }
      this.aggregatedDiscovery = documents;
      this.discoveryGeneration = generation;
    }
    return this.aggregatedDiscovery.get(path)!;
  }

  /**
   * /openapi/v3: the built-in group/versions' documents and the aggregated servers' (kube's
   * aggregator lists them too), each at the server's own serverRelativeURL, which the APIService
   * proxy serves; its ETag changes with them.
   */
  private openApiV3Index(ifNoneMatch: string | undefined) {
    const aggregated = this.sources.aggregated?.openApiPaths();
    if (!aggregated?.size) return this.openApi.answer('/openapi/v3', undefined, ifNoneMatch);
    const own = this.openApi.answer('/openapi/v3');
    if (!own) return undefined;
    if (this.openApiIndex?.generation !== this.sources.aggregated!.generation) {
      const doc = JSON.parse(own.body.toString('utf8')) as { paths: Record<string, { serverRelativeURL: string }> };
      for (const [key, url] of aggregated) doc.paths[key] ??= { serverRelativeURL: url };
      this.openApiIndex = { generation: this.sources.aggregated!.generation, body: Buffer.from(JSON.stringify(doc)), etag: documentHash(doc) };
    }
    const { body, etag } = this.openApiIndex;
    const headers = { ...own.headers, ETag: `"${etag}"` };
    if (ifNoneMatch === `"${etag}"`) return { code: 304, headers, body: Buffer.alloc(0) };
    return { code: 200, headers, body };
  }

  /** /apis: the catalogue's groups, then the aggregated servers' (kube lists every APIService's group). */
  private groupList() {
    const list = apiGroupList(this.sources.catalogue);
    const local = new Set(list.groups.map((g) => g.name));
    for (const [group, versions] of this.sources.aggregated?.groups() ?? []) if (!local.has(group)) list.groups.push(groupEntry(group, versions));
    return list;
  }

  private aggregatedGroup(group: string) {
    const versions = this.sources.aggregated?.groups().get(group);
    return versions ? { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(group, versions) } : undefined;
  }

  async handle({ req, res, url, info }: FrontDoorRequest, next: () => Promise<void>): Promise<void> {
    if (info.isResourceRequest) return next();
    const { catalogue, health, issuer } = this.sources;
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const segments = path.split('/').filter(Boolean);
    if (['healthz', 'livez', 'readyz'].includes(segments[0])) {
      // A check's name may have slashes of its own (poststarthook/rbac/bootstrap-roles).
      const answer = await health.answer(segments[0], segments.slice(1).join('/') || undefined, url.searchParams);
      if (!answer) throw routeNotFound();
      res.setHeader('X-Content-Type-Options', 'nosniff');
      return send(res, answer.code, 'text/plain; charset=utf-8', answer.body);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new StatusError('KAPI_ERR_METHOD_NOT_ALLOWED', `the server does not allow this method on the requested resource`);
    }
    if (path === '/version') return sendJson(res, 200, VERSION_INFO);
    if (path === '/metrics') return send(res, 200, PROMETHEUS_CONTENT_TYPE, metrics.render());
    if (path === OPENID_CONFIGURATION_PATH && issuer) return sendJson(res, 200, issuer.configuration);
    if (path === JWKS_PATH && issuer) return send(res, 200, 'application/jwk-set+json', JSON.stringify(issuer.jwks));
    const openApi = path === '/openapi/v3' ? this.openApiV3Index(req.headers['if-none-match']) : this.openApi.answer(path, req.headers.accept, req.headers['if-none-match']);
    if (openApi) return void res.writeHead(openApi.code, { ...openApi.headers, 'Content-Length': openApi.body.length }).end(openApi.body);
    if ((path === '/api' || path === '/apis') && wantsAggregatedDiscovery(req.headers.accept)) {
      const doc = this.discoveryDocument(path);
      res.setHeader('ETag', `"${doc.etag}"`);
      res.setHeader('Vary', 'Accept');
      if (req.headers['if-none-match'] === `"${doc.etag}"`) return void res.writeHead(304).end();
      return send(res, 200, AGGREGATED_DISCOVERY_CONTENT_TYPE, doc.body);
    }
    if (path === '/api') return sendJson(res, 200, apiVersions(this.sources.serverAddress));
    if (path === '/apis') return sendJson(res, 200, this.groupList());
    if (info.apiPrefix === 'api' && segments.length === 2) {
      const list = apiResourceList(catalogue, '', segments[1]);
      if (list) return sendJson(res, 200, list);
    }
    if (info.apiPrefix === 'apis' && segments.length === 2) {
      const group = apiGroup(catalogue, segments[1]) ?? this.aggregatedGroup(segments[1]);
      if (group) return sendJson(res, 200, group);
    }
    if (info.apiPrefix === 'apis' && segments.length === 3) {
      const list = apiResourceList(catalogue, segments[1], segments[2]);
      if (list) return sendJson(res, 200, list);
    }
    return next();
  }
}
