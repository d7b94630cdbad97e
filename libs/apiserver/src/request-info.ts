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

function isWatchQuery(query: URLSearchParams): boolean {
  const w = query.get('watch');
  return w !== null && (w === '' || w === '1' || w === 'true');
}

export function parseRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const verbForMethod = VERB_BY_METHOD[method.toUpperCase()] ?? method.toLowerCase();
  const nonResource: RequestInfo = {
    isResourceRequest: false,
    path,
    verb: method.toLowerCase() === 'head' ? 'get' : method.toLowerCase(),
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

  if (!info.name && info.verb === 'get') info.verb = isWatchQuery(query) ? 'watch' : 'list';
  else if (info.verb === 'get' && isWatchQuery(query)) info.verb = 'watch';
  if (!info.name && info.verb === 'delete') info.verb = 'deletecollection';
  return info;
}
