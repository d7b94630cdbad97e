// A corpus of hostile and malformed request bodies, and every write path of a few kinds to send each
// one to. Shared by bad-input.e2e-spec.ts; it speaks plain HTTPS, so the same requests can be put to
// kube-apiserver itself to learn what it answers.
import { request as httpsRequest } from 'node:https';

/** Where and as whom to send: a server URL and the TLS material of a client certificate, or a bearer token. */
export interface Target {
  server: string;
  ca: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  token?: string;
}

export interface Answer {
  code: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends one request and resolves with whatever HTTP answer comes back; a failure to get one rejects. */
export function send(target: Target, method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      new URL(path, target.server),
      {
        method,
        ca: target.ca,
        cert: target.cert,
        key: target.key,
        // Node sends a DELETE's body only when told its length.
        headers: { ...(target.token ? { Authorization: `Bearer ${target.token}` } : {}), ...(body === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(body)) }), ...headers },
        // One connection per request: an answer sent before the body was read must not spoil the next.
        agent: false,
        // A server may answer a list with a query of up to 1 MiB; Node's client reads long headers too.
        maxHeaderSize: 1 << 20,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A kind to fuzz: where it lives, a valid object to start from, and the subresources it has. */
export interface FuzzKind {
  name: string;
  collection: string;
  kind: string;
  apiVersion: string;
  object: Record<string, unknown>;
  subresources: ('status' | 'scale')[];
}

export const TARGET_NAME = 'fuzz-target';
const NAMESPACE = 'default';

export const FUZZ_KINDS: FuzzKind[] = [
  {
    name: 'ConfigMap',
    collection: `/api/v1/namespaces/${NAMESPACE}/configmaps`,
    kind: 'ConfigMap',
    apiVersion: 'v1',
    object: { data: { a: 'b' } },
    subresources: [],
  },
  {
    name: 'Deployment',
    collection: `/apis/apps/v1/namespaces/${NAMESPACE}/deployments`,
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    object: {
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'fuzz' } },
        template: { metadata: { labels: { app: 'fuzz' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      },
    },
    subresources: ['status', 'scale'],
  },
  {
    name: 'Pod',
    collection: `/api/v1/namespaces/${NAMESPACE}/pods`,
    kind: 'Pod',
    apiVersion: 'v1',
    object: { spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    subresources: ['status'],
  },
  {
    name: 'PriorityClass (cluster-scoped)',
    collection: '/apis/scheduling.k8s.io/v1/priorityclasses',
    kind: 'PriorityClass',
    apiVersion: 'scheduling.k8s.io/v1',
    object: { value: 1000 },
    subresources: [],
  },
];

export function validObject(kind: FuzzKind): Record<string, unknown> {
  return { apiVersion: kind.apiVersion, kind: kind.kind, metadata: { name: TARGET_NAME }, ...kind.object };
}

/** How a write path takes its body: a whole object, one of the patch types, or DeleteOptions. */
export type BodyRole = 'object' | 'json-patch' | 'merge-patch' | 'strategic-merge-patch' | 'apply-patch' | 'delete-options';

export interface WritePath {
  name: string;
  method: string;
  path: string;
  role: BodyRole;
}

const PATCH_TYPES: Record<Exclude<BodyRole, 'object' | 'delete-options'>, string> = {
  'json-patch': 'application/json-patch+json',
  'merge-patch': 'application/merge-patch+json',
  'strategic-merge-patch': 'application/strategic-merge-patch+json',
  'apply-patch': 'application/apply-patch+yaml',
};

/** Every write path of a kind: create, update, each patch type, delete with a body, and its subresources. */
export function writePaths(kind: FuzzKind): WritePath[] {
  const item = `${kind.collection}/${TARGET_NAME}`;
  const paths: WritePath[] = [
    { name: 'create', method: 'POST', path: kind.collection, role: 'object' },
    { name: 'update', method: 'PUT', path: item, role: 'object' },
    ...(Object.keys(PATCH_TYPES) as (keyof typeof PATCH_TYPES)[]).map((role) => ({
      name: role,
      method: 'PATCH',
      path: role === 'apply-patch' ? `${item}?fieldManager=fuzz` : item,
      role,
    })),
    { name: 'delete with a body', method: 'DELETE', path: item, role: 'delete-options' },
  ];
  for (const sub of kind.subresources) {
    paths.push({ name: `${sub} update`, method: 'PUT', path: `${item}/${sub}`, role: 'object' });
    paths.push({ name: `${sub} merge-patch`, method: 'PATCH', path: `${item}/${sub}`, role: 'merge-patch' });
  }
  return paths;
}

/** A body to send: its bytes and the Content-Type it goes with, chosen for the path's role. */
export interface Input {
  name: string;
  body(kind: FuzzKind, role: BodyRole): { body: Buffer; contentType: string };
}

/** The Content-Type a well-formed body of this role would have. */
function naturalType(role: BodyRole, json = true): string {
  if (role === 'object' || role === 'delete-options') return json ? 'application/json' : 'application/yaml';
  return PATCH_TYPES[role];
}

const MAX_BODY = 3 * 1024 * 1024;

function aliasBomb(): string {
  let yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fuzz-target\na0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  for (let i = 1; i < 12; i++) yaml += `a${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(',')}]\n`;
  return yaml;
}

/** The copy bomb: a value copied into itself 40 times, doubling the object each time. */
const copyBomb = JSON.stringify([
  { op: 'add', path: '/metadata/annotations', value: { a: 'x' } },
  ...Array.from({ length: 40 }, (_, i) => ({ op: 'copy', from: '/metadata/annotations', path: `/metadata/annotations/c${i}` })),
]);
const tooManyOps = JSON.stringify(Array.from({ length: 10_001 }, (_, i) => ({ op: 'add', path: `/metadata/annotations/k${i % 10}`, value: String(i) })));

export const INPUTS: Input[] = [
  {
    name: 'malformed JSON',
    body: (_kind, role) => ({ body: Buffer.from('{"apiVersion":"v1","kind":'), contentType: naturalType(role) }),
  },
  {
    name: 'malformed YAML',
    body: (_kind, role) => ({ body: Buffer.from('a: [\n  b: }\n'), contentType: role === 'apply-patch' ? PATCH_TYPES['apply-patch'] : role === 'object' || role === 'delete-options' ? 'application/yaml' : naturalType(role) }),
  },
  {
    name: 'malformed protobuf',
    body: () => ({ body: Buffer.from('k8s\x00\x0a\xff\x01garbage', 'latin1'), contentType: 'application/vnd.kubernetes.protobuf' }),
  },
  {
    name: 'protobuf without its prefix',
    body: () => ({ body: Buffer.from('\x0a\x02v1\x12\x09ConfigMap', 'latin1'), contentType: 'application/vnd.kubernetes.protobuf' }),
  },
  {
    name: 'YAML alias bomb',
    body: (_kind, role) => ({ body: Buffer.from(aliasBomb()), contentType: role === 'apply-patch' ? PATCH_TYPES['apply-patch'] : role === 'object' || role === 'delete-options' ? 'application/yaml' : naturalType(role) }),
  },
  {
    name: 'nesting 10,001 deep',
    body: (kind, role) => {
      const deep = '['.repeat(10_001) + ']'.repeat(10_001);
      return { body: Buffer.from(`{"apiVersion":"${kind.apiVersion}","kind":"${kind.kind}","metadata":{"name":"${TARGET_NAME}"},"zzz":${deep}}`), contentType: naturalType(role) };
    },
  },
  {
    name: 'a body over 3 MiB',
    body: (kind, role) => {
      const head = `{"apiVersion":"${kind.apiVersion}","kind":"${kind.kind}","metadata":{"name":"${TARGET_NAME}","annotations":{"a":"`;
      return { body: Buffer.from(head + 'x'.repeat(MAX_BODY + 1 - head.length) + '"}}}'), contentType: naturalType(role) };
    },
  },
  {
    name: 'a JSON patch copy bomb',
    body: (_kind, role) => ({ body: Buffer.from(copyBomb), contentType: role === 'json-patch' ? PATCH_TYPES['json-patch'] : naturalType(role) }),
  },
  {
    name: 'a JSON patch of 10,001 operations',
    body: (_kind, role) => ({ body: Buffer.from(tooManyOps), contentType: role === 'json-patch' ? PATCH_TYPES['json-patch'] : naturalType(role) }),
  },
  {
    name: 'invalid UTF-8',
    body: (kind, role) => {
      const text = role === 'json-patch' ? '[{"op":"add","path":"/metadata/annotations","value":{"u":"\xff\xfe\xc3("}}]' : `{"apiVersion":"${kind.apiVersion}","kind":"${kind.kind}","metadata":{"name":"${TARGET_NAME}","annotations":{"u":"\xff\xfe\xc3("}}}`;
      return { body: Buffer.from(text, 'latin1'), contentType: naturalType(role) };
    },
  },
  {
    name: 'a list of 10,000 items',
    body: (kind, role) => {
      // Containers without an image: each write is refused by validation rather than stored.
      const items = Array.from({ length: 10_000 }, (_, i) => ({ name: `c${i}` }));
      if (role === 'json-patch') return { body: Buffer.from(JSON.stringify(items.map(() => ({ op: 'test', path: '/metadata/name', value: TARGET_NAME })))), contentType: PATCH_TYPES['json-patch'] };
      const containers = kind.kind === 'Deployment' ? { spec: { template: { spec: { containers: items } } } } : kind.kind === 'Pod' ? { spec: { containers: items } } : { zzz: items };
      return { body: Buffer.from(JSON.stringify({ apiVersion: kind.apiVersion, kind: kind.kind, metadata: { name: TARGET_NAME }, ...containers })), contentType: naturalType(role) };
    },
  },
  {
    name: 'an XML body',
    body: () => ({ body: Buffer.from('<configMap><name>fuzz-target</name></configMap>'), contentType: 'application/xml' }),
  },
  {
    name: 'no Content-Type',
    body: (kind) => ({ body: Buffer.from(JSON.stringify(validObject(kind))), contentType: '' }),
  },
];

/** The Status fields of an answer, or undefined when the body is not a Status. */
export function statusOf(answer: Answer): { code: number; reason?: string; message?: string } | undefined {
  try {
    const doc = JSON.parse(answer.body) as { kind?: string; code?: number; reason?: string; message?: string };
    return doc.kind === 'Status' ? { code: doc.code ?? 0, reason: doc.reason, message: doc.message } : undefined;
  } catch {
    return undefined;
  }
}

export interface Outcome {
  kind: string;
  path: string;
  input: string;
  answer?: Answer;
  /** Why no HTTP answer came back (a reset connection, say). */
  error?: string;
}

/** Creates each kind's target object, if absent, so that updates and patches have something to act on. */
export async function ensureTargets(target: Target, kinds: FuzzKind[] = FUZZ_KINDS): Promise<void> {
  for (const kind of kinds) {
    const answer = await send(target, 'POST', kind.collection, JSON.stringify(validObject(kind)), { 'Content-Type': 'application/json' });
    if (answer.code !== 201 && answer.code !== 409) throw new Error(`cannot create the ${kind.name} to fuzz: ${answer.code} ${answer.body}`);
  }
}

/** Sends every input to every write path of every kind, one request at a time, and collects the answers. */
export async function sendCorpus(target: Target, kinds: FuzzKind[] = FUZZ_KINDS, inputs: Input[] = INPUTS): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const kind of kinds) {
    for (const input of inputs) {
      for (const path of writePaths(kind)) {
        // A valid body may have deleted the target: every path starts from a target that exists.
        await ensureTargets(target, [kind]);
        const { body, contentType } = input.body(kind, path.role);
        try {
          const answer = await send(target, path.method, path.path, body, contentType ? { 'Content-Type': contentType } : {});
          outcomes.push({ kind: kind.name, path: path.name, input: input.name, answer });
        } catch (err) {
          outcomes.push({ kind: kind.name, path: path.name, input: input.name, error: (err as Error).message });
        }
      }
    }
  }
  return outcomes;
}
