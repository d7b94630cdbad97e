// Kubernetes' URL library (k8s.io/apiserver/pkg/cel/library/urls.go): url() and isURL() parse as
// Go's url.ParseRequestURI (an absolute URI or an absolute path), and a URL's getScheme, getHost,
// getHostname, getPort, getEscapedPath and getQuery.
import { err, type Library } from '../functions.js';
import { fn, member, overload, traversalCost, traversalEstimate } from '../stdlib.js';
import { T } from '../types.js';
import { EntryMap, OpaqueValue, type Result, type Value } from '../values.js';

export const URL_TYPE = 'kubernetes.URL';
const URLT = T.opaque(URL_TYPE);

interface Parts {
  scheme: string;
  host: string;
  path: string;
  query: string;
}

export class KubeURL extends OpaqueValue {
  readonly celType = URL_TYPE;
  constructor(
    readonly raw: string,
    readonly parts: Parts,
  ) {
    super();
  }
  equals(other: OpaqueValue): boolean {
    return other instanceof KubeURL && other.raw === this.raw;
  }
  override toString(): string {
    return this.raw;
  }
}

/** url.ParseRequestURI, to the parts the library exposes; a string is Go's error. */
export function parseRequestURI(raw: string): Parts | string {
  const fail = (why: string) => `parse ${JSON.stringify(raw)}: ${why}`;
  if (/[\x00-\x1f\x7f]/.test(raw)) return fail('net/url: invalid control character in URL');
  let rest = raw;
  const q = rest.indexOf('?');
  let query = '';
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  let scheme = '';
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(rest);
  if (m) {
    scheme = m[1].toLowerCase();
    rest = rest.slice(m[0].length);
  } else if (/^[a-zA-Z0-9+.-]*:/.test(rest) && !rest.startsWith('/')) {
    return fail(rest.startsWith(':') ? 'missing protocol scheme' : 'first path segment in URL cannot contain colon');
  }
  // With a scheme, a rest without a leading slash is an opaque URI (`mailto:x`); without one, it is refused.
  if (!rest.startsWith('/')) return scheme ? { scheme, host: '', path: '', query } : fail('invalid URI for request');
  let host = '';
  if (rest.startsWith('//') && (scheme !== '' || !rest.startsWith('///'))) {
    const end = rest.indexOf('/', 2);
    const authority = end < 0 ? rest.slice(2) : rest.slice(2, end);
    rest = end < 0 ? '' : rest.slice(end);
    host = authority.includes('@') ? authority.slice(authority.lastIndexOf('@') + 1) : authority;
    const port = /:([^\]]*)$/.exec(host);
    if (port && !/^\d*$/.test(port[1])) return fail(`invalid port ${JSON.stringify(':' + port[1])} after host`);
  }
  return { scheme, host, path: rest, query };
}

function hostname(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end < 0 ? host : host.slice(1, end);
  }
  const colon = host.lastIndexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}

function port(host: string): string {
  const m = /:(\d*)$/.exec(host.startsWith('[') ? host.slice(host.indexOf(']') + 1) : host);
  return m ? m[1] : '';
}

/** url.Values of a query: keys and values unescaped, pairs with a semicolon dropped (Go 1.17+). */
function queryValues(query: string): EntryMap {
  const out = new Map<string, string[]>();
  for (const pair of query.split('&')) {
    if (!pair || pair.includes(';')) continue;
    const eq = pair.indexOf('=');
    const unescape = (s: string) => {
      try {
        return decodeURIComponent(s.replaceAll('+', ' '));
      } catch {
        return undefined;
      }
    };
    const k = unescape(eq < 0 ? pair : pair.slice(0, eq));
    const v = unescape(eq < 0 ? '' : pair.slice(eq + 1));
    if (k === undefined || v === undefined) continue;
    out.set(k, [...(out.get(k) ?? []), v]);
  }
  return new EntryMap([...out].map(([k, v]) => [k, v] as [Value, Value]));
}

function toURL(s: string): Result {
  const p = parseRequestURI(s);
  return typeof p === 'string' ? err(`URL parse error during conversion from string: ${p}`) : new KubeURL(s, p);
}

const url = (v: Value) => (v as KubeURL).parts;

export const urlsLibrary: Library = {
  name: 'urls',
  functions: [
    fn('url', overload('string_to_url', [T.string], URLT, ([s]) => toURL(s as string), { cost: traversalCost(), estimate: traversalEstimate() })),
    fn('isURL', overload('is_url_string', [T.string], T.bool, ([s]) => typeof parseRequestURI(s as string) !== 'string', { cost: traversalCost(), estimate: traversalEstimate() })),
    fn('getScheme', member('url_get_scheme', [URLT], T.string, ([u]) => url(u).scheme)),
    fn('getHost', member('url_get_host', [URLT], T.string, ([u]) => url(u).host)),
    fn('getHostname', member('url_get_hostname', [URLT], T.string, ([u]) => hostname(url(u).host))),
    fn('getPort', member('url_get_port', [URLT], T.string, ([u]) => port(url(u).host))),
    fn('getEscapedPath', member('url_get_escaped_path', [URLT], T.string, ([u]) => url(u).path)),
    fn('getQuery', member('url_get_query', [URLT], T.map(T.string, T.list(T.string)), ([u]) => queryValues(url(u).query))),
  ],
};
