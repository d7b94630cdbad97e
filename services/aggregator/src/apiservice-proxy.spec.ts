import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, ServerResponse, type IncomingHttpHeaders, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { isStatusError } from '@kapi/api-machinery';
import { apiRequest } from '@kapi/apiserver';
import { createTestClientCertificate, createTestServingPki } from '@kapi/local-stack';
import type { commonV1 } from '@kapi/proto';
import type { FrontDoorRequest } from './front-door-chain.js';
import { apiServiceNameOf, APIServiceProxy, extraHeaderKey, proxiedRequestHeaders, type APIService, type APIServiceProxyOptions } from './apiservice-proxy.js';

const USER: commonV1.UserInfo = { username: 'jane', uid: 'u-1', groups: ['devs', 'system:authenticated'], extra: { 'scopes.example.com/a%b': { values: ['read', 'write'] } } };
const available = { conditions: [{ type: 'Available', status: 'True', reason: 'Passed', message: 'all checks passed' }] };

describe('apiServiceNameOf', () => {
  it('names the APIService of a path under /apis/<group>/<version>, and none for any other path', () => {
    assert.equal(apiServiceNameOf('/apis/wardle.example.com/v1alpha1'), 'v1alpha1.wardle.example.com');
    assert.equal(apiServiceNameOf('/apis/wardle.example.com/v1alpha1/namespaces/a/flunders'), 'v1alpha1.wardle.example.com');
    assert.equal(apiServiceNameOf('/openapi/v3/apis/wardle.example.com/v1alpha1'), 'v1alpha1.wardle.example.com');
    assert.equal(apiServiceNameOf('/openapi/v3/api/v1'), undefined);
    assert.equal(apiServiceNameOf('/apis/wardle.example.com'), undefined);
    assert.equal(apiServiceNameOf('/api/v1/pods'), undefined);
    assert.equal(apiServiceNameOf('/healthz'), undefined);
  });
});

describe('proxiedRequestHeaders', () => {
  it('sends the user as X-Remote-* headers, one X-Remote-Group per group, and leaves the caller\'s credentials behind', () => {
    const headers = proxiedRequestHeaders(
      {
        authorization: 'Bearer secret',
        'impersonate-user': 'bob',
        'x-remote-user': 'mallory',
        'x-remote-uid': 'mallory-uid',
        'x-remote-group': 'system:masters',
        connection: 'keep-alive',
        accept: 'application/json',
        'x-forwarded-for': '10.0.0.9',
      },
      USER,
      '127.0.0.5',
    );
    assert.deepEqual(headers, {
      accept: 'application/json',
      'x-remote-user': 'jane',
      'x-remote-uid': 'u-1',
      'x-remote-group': ['devs', 'system:authenticated'],
      'x-remote-extra-scopes.example.com%2Fa%25b': ['read', 'write'],
      'x-forwarded-for': '10.0.0.9, 127.0.0.5',
    });
  });

  it('escapes an extra key as kube does: token characters kept, the rest and % percent-encoded', () => {
    assert.equal(extraHeaderKey('authentication.kubernetes.io/pod-name'), 'authentication.kubernetes.io%2Fpod-name');
    assert.equal(extraHeaderKey('a%b c'), 'a%25b%20c');
    assert.equal(extraHeaderKey('é'), '%C3%A9');
  });
});

describe('APIServiceProxy', () => {
  let dir: string;
  let backend: HttpsServer;
  let frontDoor: HttpServer;
  let frontDoorPort: number;
  let backendPort: number;
  let caBundle: string;
  let proxy: APIServiceProxy;
  const apiServices = new Map<string, APIService>();
  let resolveError: Error | undefined;
  const seen: { method?: string; url?: string; headers: IncomingHttpHeaders; body: string; clientName?: string }[] = [];

  const register = (spec: APIService['spec'], status: APIService['status'] = available) => apiServices.set('v1.things.example.com', { metadata: { name: 'v1.things.example.com' }, spec: { group: 'things.example.com', version: 'v1', ...spec }, status });
  const call = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
    new Promise<{ code: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: frontDoorPort, method, path, headers }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, headers: res.headers, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kapi-proxy-spec-'));
    const pki = createTestServingPki(dir, { dns: ['things.aggregated.svc'], ips: ['127.0.0.1'] });
    const client = createTestClientCertificate(dir, 'front-proxy-client');
    caBundle = readFileSync(pki.caCert).toString('base64');
    backend = createHttpsServer({ cert: readFileSync(pki.cert), key: readFileSync(pki.key), ca: readFileSync(pki.caCert), requestCert: true, rejectUnauthorized: false }, (req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const socket = req.socket as TLSSocket;
        // A watch whose server goes away after its first event.
        if (req.url?.endsWith('?watch=true')) {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.write('{"type":"ADDED"}\n', () => setTimeout(() => socket.destroy(), 50));
          return;
        }
        seen.push({ method: req.method, url: req.url, headers: req.headers, body, clientName: socket.authorized ? String(socket.getPeerCertificate().subject.CN) : undefined });
        res.writeHead(207, { 'Content-Type': 'application/json', 'X-Answer': 'yes' }).end(JSON.stringify({ echoed: body }));
      });
    });
    // A server that switches to an echo protocol, as an exec endpoint switches to SPDY or websockets.
    backend.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body: '' });
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
      socket.pipe(socket);
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    backendPort = (backend.address() as { port: number }).port;
    proxy = new APIServiceProxy({
      apiServices: { get: (name) => apiServices.get(name) },
      resolver: {
        resolveEndpoint: async () => {
          if (resolveError) throw resolveError;
          return { host: '127.0.0.1', port: backendPort };
        },
      },
      clientCertificate: { cert: readFileSync(client.cert), key: readFileSync(client.key) },
    });
    const serve = (req: IncomingMessage, res: ServerResponse) => {
      const request = apiRequest<commonV1.UserInfo>(req, res);
      request.user = USER;
      proxy.handle(request, async () => void res.writeHead(404).end('passed on')).catch((err: Error) => res.writeHead(500).end(err.message));
    };
    frontDoor = createHttpServer(serve);
    // As the front door serves an upgrade (http-server.ts): the chain with a response on the socket.
    frontDoor.on('upgrade', (req: IncomingMessage, socket: Socket) => {
      const res = new ServerResponse(req);
      res.assignSocket(socket);
      res.once('finish', () => socket.end());
      serve(req, res);
    });
    await new Promise<void>((r) => frontDoor.listen(0, '127.0.0.1', r));
    frontDoorPort = (frontDoor.address() as { port: number }).port;
  });

  after(async () => {
    proxy.close();
    backend.closeAllConnections();
    await new Promise((r) => backend.close(r));
    await new Promise((r) => frontDoor.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes on what no APIService with a service serves', async () => {
    apiServices.clear();
    apiServices.set('v1.apps', { metadata: { name: 'v1.apps' }, spec: { group: 'apps', version: 'v1' }, status: available });
    for (const path of ['/api/v1/pods', '/apis/apps/v1/deployments', '/apis/unknown.example.com/v1', '/version']) {
      assert.deepEqual([(await call('GET', path)).body], ['passed on'], path);
    }
  });

  it('forwards to the Service\'s endpoint, verified by caBundle as <service>.<namespace>.svc, with the front-proxy certificate and the user', async () => {
    register({ service: { namespace: 'aggregated', name: 'things', port: 443 }, caBundle });
    const answer = await call('POST', '/apis/things.example.com/v1/namespaces/a/gadgets?dryRun=All', '{"x":1}', { Authorization: 'Bearer secret', 'Content-Type': 'application/json' });
    assert.equal(answer.code, 207);
    assert.equal(answer.headers['x-answer'], 'yes');
    assert.deepEqual(JSON.parse(answer.body), { echoed: '{"x":1}' });
    const last = seen.at(-1)!;
    assert.equal(last.method, 'POST');
    assert.equal(last.url, '/apis/things.example.com/v1/namespaces/a/gadgets?dryRun=All');
    assert.equal(last.clientName, 'front-proxy-client');
    assert.equal(last.headers['x-remote-user'], 'jane');
    assert.equal(last.headers['x-remote-group'], 'devs, system:authenticated');
    assert.equal(last.headers.authorization, undefined);
    assert.equal(last.headers['content-type'], 'application/json');
  });

  it('answers kube\'s plain-text 503 while the APIService is not available, or its Service has no endpoint', async () => {
    register({ service: { namespace: 'aggregated', name: 'things', port: 443 }, caBundle }, { conditions: [{ type: 'Available', status: 'False', reason: 'MissingEndpoints' }] });
    const before = seen.length;
    let answer = await call('GET', '/apis/things.example.com/v1');
    assert.deepEqual([answer.code, answer.headers['content-type'], answer.body], [503, 'text/plain; charset=utf-8', 'service unavailable\n']);
    register({ service: { namespace: 'aggregated', name: 'things', port: 443 }, caBundle });
    resolveError = new Error('no endpoints available for service "things"');
    try {
      answer = await call('GET', '/apis/things.example.com/v1');
    } finally {
      resolveError = undefined;
    }
    assert.deepEqual([answer.code, answer.body], [503, 'service unavailable\n']);
    assert.equal(seen.length, before, 'the server was never called');
  });

  it('refuses a server whose certificate does not name the Service, unless insecureSkipTLSVerify', async () => {
    register({ service: { namespace: 'elsewhere', name: 'things', port: 443 }, caBundle });
    const refused = await call('GET', '/apis/things.example.com/v1');
    assert.equal(refused.code, 503);
    assert.equal(refused.body, 'tls: failed to verify certificate: x509: certificate is valid for things.aggregated.svc, not things.elsewhere.svc\n');
    register({ service: { namespace: 'elsewhere', name: 'things', port: 443 }, insecureSkipTLSVerify: true });
    assert.equal((await call('GET', '/apis/things.example.com/v1')).code, 207);
  });

  it('streams a watch as it comes, and ends it when the server goes away', async () => {
    register({ service: { namespace: 'aggregated', name: 'things', port: 443 }, caBundle });
    const received = await new Promise<{ events: string; ended: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: frontDoorPort, path: '/apis/things.example.com/v1/gadgets?watch=true' }, (res) => {
        let events = '';
        res.on('data', (d) => (events += d));
        res.on('error', () => undefined);
        res.on('close', () => resolve({ events, ended: res.complete ? 'complete' : 'aborted' }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.deepEqual(received, { events: '{"type":"ADDED"}\n', ended: 'aborted' });
  });

  it('joins the client\'s connection to the server\'s when the server switches protocols', async () => {
    register({ service: { namespace: 'aggregated', name: 'things', port: 443 }, caBundle });
    const socket = await new Promise<Socket>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: frontDoorPort, path: '/apis/things.example.com/v1/namespaces/a/gadgets/g/exec', headers: { Connection: 'Upgrade', Upgrade: 'echo', Authorization: 'Bearer secret' } });
      req.on('upgrade', (res, upgraded) => (assert.equal(res.statusCode, 101), resolve(upgraded)));
      req.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
      req.on('error', reject);
      req.end();
    });
    const echoed = new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString())));
    socket.write('ping');
    assert.equal(await echoed, 'ping');
    socket.destroy();
    const upgrade = seen.at(-1)!;
    assert.deepEqual([upgrade.url, upgrade.headers['x-remote-user'], upgrade.headers.upgrade, upgrade.headers.authorization], ['/apis/things.example.com/v1/namespaces/a/gadgets/g/exec', 'jane', 'echo', undefined]);
  });

  it('asks the server for its resources as the aggregator', async () => {
    register({ service: { namespace: 'aggregated', name: 'things', port: 443 }, caBundle });
    const backendAnswer = seen.length;
    await assert.rejects(proxy.discoverResources(apiServices.get('v1.things.example.com')!), /GET \/apis\/things\.example\.com\/v1: 207/);
    const asked = seen[backendAnswer];
    assert.deepEqual([asked.url, asked.headers['x-remote-user'], asked.headers['x-remote-group']], ['/apis/things.example.com/v1', 'system:kube-aggregator', 'system:masters']);
  });
});

describe('APIServiceProxy before the APIServices are listed', () => {
  const request = (path: string) => ({ url: new URL(path, 'https://front-door') }) as FrontDoorRequest;
  /** A lister whose first list completes when `list` is called; the test's waits resolve then, or false at once when `never`. */
  const unsynced = (never = false) => {
    const known = new Map<string, APIService>();
    let synced = false;
    let release!: () => void;
    const listed = new Promise<void>((r) => (release = r));
    const waits: string[] = [];
    const lister = {
      get: (name: string) => known.get(name),
      synced: () => synced,
      waitUntilSynced: async (ms: number) => {
        waits.push(String(ms));
        if (never) return false;
        await listed;
        return synced;
      },
    };
    const list = (apiServices: APIService[]) => {
      for (const a of apiServices) known.set(a.metadata!.name!, a);
      synced = true;
      release();
    };
    return { lister, list, waits };
  };
  const proxyWith = (lister: APIServiceProxyOptions['apiServices']) =>
    new APIServiceProxy({
      apiServices: lister,
      resolver: { resolveEndpoint: async () => ({ host: '127.0.0.1', port: 1 }) },
      clientCertificate: { cert: Buffer.from(''), key: Buffer.from('') },
      servesLocally: (group, version) => group === 'apps' && version === 'v1',
    });

  it('a group/version it does not serve itself waits for the list, then goes where the APIService says', async () => {
    const { lister, list, waits } = unsynced();
    const proxy = proxyWith(lister);
    let passedOn = false;
    const handled = proxy.handle(request('/apis/crd.example.com/v1/things'), async () => void (passedOn = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(passedOn, false, 'not passed on (to a 404) before the list');
    assert.equal(waits.length, 1);
    list([{ metadata: { name: 'v1.crd.example.com' }, spec: { group: 'crd.example.com', version: 'v1' }, status: available }]);
    await handled;
    assert.equal(passedOn, true, 'a Local APIService: passed on once listed');
    proxy.close();
  });

  it('what the front door serves itself, and any path outside /apis/<group>/<version>, passes on without waiting', async () => {
    const { lister, waits } = unsynced();
    const proxy = proxyWith(lister);
    for (const path of ['/apis/apps/v1/deployments', '/api/v1/pods', '/version', '/apis']) {
      let passedOn = false;
      await proxy.handle(request(path), async () => void (passedOn = true));
      assert.ok(passedOn, path);
    }
    assert.deepEqual(waits, []);
    proxy.close();
  });

  it('answers 503 with Retry-After, never 404, when the list does not come in time', async () => {
    const { lister } = unsynced(true);
    const proxy = proxyWith(lister);
    let passedOn = false;
    await assert.rejects(
      proxy.handle(request('/apis/wardle.example.com/v1alpha1/flunders'), async () => void (passedOn = true)),
      (err: unknown) => isStatusError(err) && err.httpCode === 503 && err.details?.retryAfterSeconds === 1 && /not yet ready to handle request/.test(err.message),
    );
    assert.equal(passedOn, false);
    proxy.close();
  });
});
