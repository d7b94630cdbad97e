// Asks a real kube-apiserver what it answers for each case of the custom resource table and records
// it, so that every expected answer in the table comes from kube itself. Not part of the test suite:
// run it by hand against the reference server (its kubeconfig in KUBECONFIG, with client
// certificate data, as /tmp/kref/run/admin.kubeconfig has):
//   node libs/structural-schema/scripts/probe-reference.mjs [--write] [case-name-substring]
// Each table CRD is created (group crd-table.kapi.dev) and left for the next run. A `crd` case is a
// dry-run create of a CRD; an object case creates (dry run), updates or updates the status of an
// object of a table CRD (the old object is created for real and deleted after). What kube answers —
// status code, message, causes, warnings, and for a success the object minus what the server sets —
// becomes the case's `expect`, and `reference` records that kube said so.
import https from 'node:https';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const tablePath = join(here, '..', 'src', 'testdata', 'kube-crd-table.json');
const table = JSON.parse(readFileSync(tablePath, 'utf8'));
const write = process.argv.includes('--write');
const filter = process.argv.slice(2).find((a) => !a.startsWith('--'));

const kubeconfig = readFileSync(process.env.KUBECONFIG ?? '/tmp/kref/run/admin.kubeconfig', 'utf8');
const field = (k) => Buffer.from(kubeconfig.match(new RegExp(`${k}: (\\S+)`))[1], 'base64');
const server = new URL(kubeconfig.match(/server: (\S+)/)[1]);
const tls = { ca: field('certificate-authority-data'), cert: field('client-certificate-data'), key: field('client-key-data') };

function request(method, path, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = https.request({ host: server.hostname, port: server.port, path, method, ...tls, headers: data ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        // Node joins repeated Warning headers with ", ": split them again.
        const header = [res.headers.warning ?? []].flat().join(', ');
        const warnings = header ? header.replace(/^299 - "/, '').replace(/"$/, '').split('", 299 - "').map((w) => w.replace(/\\"/g, '"')) : [];
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = text;
        }
        resolve({ code: res.statusCode, body: json, warnings });
      });
    });
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

/** The table's shorthand for large values: {$repeat: s, times: n, then?: t} is a string, {$array: v, times: n} a list. */
function expand(v) {
  if (Array.isArray(v)) return v.map(expand);
  if (v && typeof v === 'object') {
    if ('$repeat' in v) return String(v.$repeat).repeat(v.times) + (v.then ?? '');
    if ('$array' in v) return Array.from({ length: v.times }, () => expand(v.$array));
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, expand(x)]));
  }
  return v;
}

const GROUP = table.group;
const NAMESPACE = table.namespace;
const plural = (kind) => `${kind.toLowerCase()}s`;

function crdObject(name, def) {
  const kind = def.kind;
  const versions = def.versions ?? [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: def.schema }, ...(def.subresources ? { subresources: def.subresources } : {}) }];
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural(kind)}.${GROUP}` },
    spec: { group: GROUP, scope: def.scope ?? 'Namespaced', names: { plural: plural(kind), singular: kind.toLowerCase(), kind, listKind: `${kind}List` }, versions },
  };
}

async function ensureCRD(name, def) {
  const crd = crdObject(name, def);
  const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`;
  const got = await request('GET', path);
  if (got.code === 200) {
    crd.metadata.resourceVersion = got.body.metadata.resourceVersion;
    const put = await request('PUT', path, crd);
    if (put.code !== 200) throw new Error(`cannot update CRD ${name}: ${JSON.stringify(put.body)}`);
  } else {
    const created = await request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    if (created.code !== 201) throw new Error(`cannot create CRD ${name}: ${JSON.stringify(created.body)}`);
  }
  for (let i = 0; i < 100; i++) {
    const c = await request('GET', path);
    if (c.body.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  // A CRD is served shortly after it is established; wait until a list answers.
  for (let i = 0; i < 100; i++) {
    const base = def.scope === 'Cluster' ? `/apis/${GROUP}/v1/${plural(def.kind)}` : `/apis/${GROUP}/v1/namespaces/${NAMESPACE}/${plural(def.kind)}`;
    if ((await request('GET', base)).code === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** kube serves a changed CRD schema shortly after the write; nothing says when, so wait. */
const settle = () => new Promise((r) => setTimeout(r, 3000));

const SERVER_META = ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields'];

function outcome(res) {
  const out = { code: res.code };
  if (res.warnings.length) out.warnings = res.warnings;
  if (res.body?.kind === 'Status') {
    out.message = res.body.message;
    if (res.body.details?.causes) out.causes = res.body.details.causes;
  } else if (typeof res.body === 'object') {
    const obj = structuredClone(res.body);
    for (const k of SERVER_META) delete obj.metadata?.[k];
    out.object = obj;
  }
  return out;
}

async function probeCase(c) {
  if (c.kind === 'crd') {
    const def = { kind: c.crd.kind ?? 'Probe', ...c.crd };
    const crd = crdObject(c.name, def);
    const answer = outcome(await request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions?dryRun=All', crd));
    delete answer.object;
    return answer;
  }
  const def = table.crds[c.crd];
  const collection = def.scope === 'Cluster' ? `/apis/${GROUP}/v1/${plural(def.kind)}` : `/apis/${GROUP}/v1/namespaces/${NAMESPACE}/${plural(def.kind)}`;
  const query = c.fieldValidation ? `&fieldValidation=${c.fieldValidation}` : '';
  const withType = (o) => ({ apiVersion: `${GROUP}/v1`, kind: def.kind, ...o });
  if (!c.op || c.op === 'create') return outcome(await request('POST', `${collection}?dryRun=All${query}`, withType(expand(c.object))));
  const old = withType(expand(c.old));
  const name = old.metadata.name;
  await request('DELETE', `${collection}/${name}`);
  if (c.oldSchema) {
    await ensureCRD(c.crd, table.alternateCrds[c.oldSchema]);
    await settle();
  }
  const created = await request('POST', collection, old);
  if (created.code !== 201) throw new Error(`cannot create old object of ${c.name}: ${JSON.stringify(created.body)}`);
  if (c.oldSchema) {
    await ensureCRD(c.crd, def);
    await settle();
  }
  if (c.oldStatus) {
    const withStatus = { ...created.body, status: c.oldStatus };
    const st = await request('PUT', `${collection}/${name}/status`, withStatus);
    if (st.code !== 200) throw new Error(`cannot set old status of ${c.name}: ${JSON.stringify(st.body)}`);
    created.body = st.body;
  }
  const next = withType(expand(c.object));
  next.metadata = { ...next.metadata, name, resourceVersion: created.body.metadata.resourceVersion };
  const path = c.op === 'status' ? `${collection}/${name}/status` : `${collection}/${name}`;
  const res = await request('PUT', `${path}?dryRun=All${query}`, next);
  await request('DELETE', `${collection}/${name}`);
  return outcome(res);
}

const version = (await request('GET', '/version')).body.gitVersion;
await request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
for (const [name, def] of Object.entries(table.crds)) await ensureCRD(name, def);

let changed = 0;
for (const c of table.cases) {
  if (filter && !c.name.includes(filter)) continue;
  const got = await probeCase(c);
  const same = JSON.stringify(got) === JSON.stringify(c.expect);
  if (!same) {
    changed++;
    console.log(`${c.name}:\n  was ${JSON.stringify(c.expect)}\n  now ${JSON.stringify(got)}`);
  }
  c.expect = got;
  c.reference = `answered by kube-apiserver ${version} (scripts/probe-reference.mjs)`;
}
console.log(`${changed} case(s) differ from the table`);
if (write) writeFileSync(tablePath, `${JSON.stringify(table, null, 2)}\n`);
