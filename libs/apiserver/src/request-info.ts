// What a request is about, read from its method, path and query the way kube-apiserver's
// RequestInfoFactory reads them: the attributes that authorization, admission and routing use.

export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  verb: string;
  apiPrefix: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** The path segments after the group/version (and namespace), for routing. */
  parts: string[];
}

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

const VERB_BY_METHOD: Record<string, string> = {
  POST: 'create',
  GET: 'get',
  HEAD: 'get',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

/** Any value of `watch` but false or 0 asks for a watch, as kube reads the boolean parameter. */
function isWatchQuery(query: URLSearchParams): boolean {
  const w = query.get('watch');
  return w !== null && !['false', '0'].includes(w.toLowerCase());
}

const NAME_SEGMENT = /^[^/%]+$/;

export function parseRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const verbForMethod = VERB_BY_METHOD[method.toUpperCase()] ?? '';
  const nonResource: RequestInfo = {
    isResourceRequest: false,
    path,
    verb: method.toLowerCase(),
    apiPrefix: '',
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    parts: [],
  };
  let parts = path.replace(/^\/+|\/+$/g, '').split('/').filter((p) => p.length > 0);
  if (parts.length === 0 || (parts[0] !== 'api' && parts[0] !== 'apis')) return nonResource;
  const info: RequestInfo = { ...nonResource, apiPrefix: parts[0] };
  parts = parts.slice(1);
  if (info.apiPrefix === 'apis') {
    if (parts.length < 2) return { ...nonResource, apiPrefix: info.apiPrefix };
    info.apiGroup = parts[0];
    parts = parts.slice(1);
  }
  if (parts.length < 1) return { ...nonResource, apiPrefix: info.apiPrefix };
  info.apiVersion = parts[0];
  parts = parts.slice(1);
  if (parts.length < 1) return { ...nonResource, apiPrefix: info.apiPrefix, apiGroup: info.apiGroup, apiVersion: info.apiVersion };

  info.isResourceRequest = true;
  info.verb = verbForMethod;
  if (parts[0] === 'watch') {
    info.verb = 'watch';
    parts = parts.slice(1);
  }
  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      info.namespace = parts[1];
      if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2])) parts = parts.slice(2);
    }
  }
  info.parts = parts;
  if (parts.length >= 3) info.subresource = parts[2];
  if (parts.length >= 2) info.name = parts[1];
  if (parts.length >= 1) info.resource = parts[0];

  if (!info.name && info.verb === 'get') {
    info.verb = isWatchQuery(query) ? 'watch' : 'list';
    // A list or watch of one name (kubectl wait, delete --wait) is authorized for that name.
    const m = (query.get('fieldSelector') ?? '').match(/^metadata\.name==?([^,]*)$/);
    if (m && NAME_SEGMENT.test(m[1]) && m[1] !== '.' && m[1] !== '..') info.name = m[1];
  }
  if (!info.name && info.verb === 'delete') info.verb = 'deletecollection';
  return info;
}
