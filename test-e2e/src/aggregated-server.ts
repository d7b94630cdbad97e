// A small aggregated API server of the tests' own, as k8s.io/apiserver's request-header
// authentication trusts its front proxy: HTTPS with a CA of its own (the APIService's caBundle), a
// client certificate required to chain to the request-header CA and to carry one of the allowed
// names, both read from kube-system/extension-apiserver-authentication, and the user taken from the
// X-Remote-* headers named there. It serves group things.kapi.test, version v1, resource gadgets:
// discovery, a list, a watch that sends an event on request of the test, and a switch to an echo
// protocol (as exec switches to SPDY or websockets). It records each request it accepted, with its
// headers.
import { mkdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { createTestServingPki } from '@kapi/local-stack';

export const GROUP = 'things.kapi.test';
export const VERSION = 'v1';

/** The ConfigMap's data, as kube publishes it. */
export interface ExtensionAuthentication {
  'requestheader-client-ca-file': string;
  'requestheader-allowed-names': string;
  'requestheader-username-headers': string;
  'requestheader-group-headers': string;
  'requestheader-extra-headers-prefix': string;
}

export interface SeenRequest {
  method: string;
  path: string;
  user: string;
  groups: string[];
  extra: Record<string, string[]>;
  headers: IncomingMessage['headers'];
}

export interface AggregatedServer {
  port: number;
  caBundle: string;
  seen: SeenRequest[];
  /** Sends a watch event to every open watch. */
  sendEvent(type: string, name: string): void;
  /** How many watches are open now. */
  openWatches(): number;
  close(): Promise<void>;
}

const gadget = (name: string, namespace: string, seenBy: string) => ({ apiVersion: `${GROUP}/${VERSION}`, kind: 'Gadget', metadata: { name, namespace, resourceVersion: '1' }, spec: { seenBy } });

export async function startAggregatedServer(dir: string, serverName: string, trust: ExtensionAuthentication): Promise<AggregatedServer> {
  mkdirSync(dir, { recursive: true });
  const pki = createTestServingPki(dir, { dns: [serverName], ips: ['127.0.0.1'] });
  const allowedNames = JSON.parse(trust['requestheader-allowed-names']) as string[];
  const [userHeader] = JSON.parse(trust['requestheader-username-headers']) as string[];
  const [groupHeader] = JSON.parse(trust['requestheader-group-headers']) as string[];
  const [extraPrefix] = JSON.parse(trust['requestheader-extra-headers-prefix']) as string[];
  const seen: SeenRequest[] = [];
  const watches = new Set<ServerResponse>();
  const json = (res: ServerResponse, code: number, body: unknown) => res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket as TLSSocket;
    const cn = socket.getPeerCertificate()?.subject?.CN;
    // k8s.io/apiserver's request-header authenticator: a verified client certificate with an allowed name, or the headers mean nothing.
    if (!socket.authorized || !allowedNames.includes(String(cn))) return json(res, 401, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', code: 401, message: 'Unauthorized' });
    const header = (name: string) => req.headersDistinct[name.toLowerCase()] ?? [];
    const extra: Record<string, string[]> = {};
    for (const [name, values] of Object.entries(req.headersDistinct)) {
      if (name.startsWith(extraPrefix.toLowerCase()) && values) extra[decodeURIComponent(name.slice(extraPrefix.length))] = values;
    }
    const url = new URL(req.url ?? '/', 'https://aggregated.invalid');
    const user = header(userHeader)[0] ?? '';
    seen.push({ method: req.method ?? '', path: url.pathname + url.search, user, groups: header(groupHeader), extra, headers: req.headers });
    const base = `/apis/${GROUP}/${VERSION}`;
    if (url.pathname === base) {
      return json(res, 200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: `${GROUP}/${VERSION}`,
        resources: [{ name: 'gadgets', singularName: 'gadget', namespaced: true, kind: 'Gadget', verbs: ['get', 'list', 'watch', 'create'] }],
      });
    }
    const m = /^\/apis\/things\.kapi\.test\/v1\/namespaces\/([^/]+)\/gadgets(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m) return json(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'the server could not find the requested resource' });
    const [, namespace, name] = m;
    if (req.method === 'POST') {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const sent = JSON.parse(body) as { metadata: { name: string } };
        json(res, 201, gadget(sent.metadata.name, namespace, user));
      });
      return;
    }
    if (name) return json(res, 200, gadget(name, namespace, user));
    if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      res.flushHeaders();
      watches.add(res);
      res.on('close', () => watches.delete(res));
      return;
    }
    return json(res, 200, { apiVersion: `${GROUP}/${VERSION}`, kind: 'GadgetList', metadata: { resourceVersion: '1' }, items: [gadget('first', namespace, user)] });
  };

  const server: Server = createServer(
    { cert: readFileSync(pki.cert), key: readFileSync(pki.key), ca: trust['requestheader-client-ca-file'], requestCert: true, rejectUnauthorized: false },
    handle,
  );
  // An exec-style endpoint: it switches to an echo protocol for a user the front proxy vouched for.
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    const peer = (socket as TLSSocket).getPeerCertificate();
    if (!(socket as TLSSocket).authorized || !allowedNames.includes(String(peer?.subject?.CN))) return socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
    const url = new URL(req.url ?? '/', 'https://aggregated.invalid');
    seen.push({ method: req.method ?? '', path: url.pathname + url.search, user: String(req.headers[userHeader.toLowerCase()] ?? ''), groups: req.headersDistinct[groupHeader.toLowerCase()] ?? [], extra: {}, headers: req.headers });
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    caBundle: readFileSync(pki.caCert).toString('base64'),
    seen,
    sendEvent: (type, name) => {
      for (const res of watches) res.write(JSON.stringify({ type, object: gadget(name, 'default', '') }) + '\n');
    },
    openWatches: () => watches.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of watches) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
