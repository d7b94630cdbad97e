// The Helm chart in charts/kapi, checked without a cluster: helm lint, ct lint, and helm template
// with assertions on the rendered objects. The tools come from deploy/scripts/install-chart-tools.sh.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { list, loadAuthnConfig, loadAuthWebhookConfig, loadEtcdTls, loadServiceTls } from '@kapi/config';
import { ANY_IDENTITY, CALLERS, FRONT_DOORS, identityOf } from '@kapi/grpc';
import { BACKEND_SERVICES, NATS_MAX_PAYLOAD_BYTES, NATS_USERS, SERVICE_ENV_KEYS, renderNatsAuthorization, type ServiceName } from '@kapi/local-stack';

const run = promisify(execFile);

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const CHART = 'charts/kapi';
const RELEASE = 'kapi';
const NAMESPACE = 'kapi-system';
const INSTALL_SCRIPT = 'deploy/scripts/install-chart-tools.sh';
const GRPC_PORTS: Record<(typeof BACKEND_SERVICES)[number], number> = {
  authn: 50051,
  authz: 50052,
  admission: 50053,
  registry: 50054,
  'watch-cache': 50055,
};
const ALL_SERVICES: ServiceName[] = ['aggregator', ...BACKEND_SERVICES];
/** The chart's default heap limits (values.yaml), about three quarters of each memory limit. */
const HEAP_LIMITS_MIB: Record<ServiceName, number> = { aggregator: 384, authn: 288, authz: 288, admission: 288, registry: 384, 'watch-cache': 768 };
/** The identities the chart's services CA issues: every service, and the NATS server. */
const SERVICE_IDENTITIES = [...ALL_SERVICES, 'nats'];

// The rendered objects are only read, so a loose shape keeps the assertions short.
type K8sObject = Record<string, any>;

/** The install script puts the tools in /usr/local/bin, which a test runner's PATH may lack. */
function toolPath(name: string): string {
  const directories = ['/usr/local/bin', ...(process.env.PATH ?? '').split(path.delimiter)];
  for (const directory of directories) {
    const candidate = path.join(directory, name);
    if (directory && fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`${name} is not installed; run bash ${INSTALL_SCRIPT}`);
}

const toolEnv = { ...process.env, PATH: `/usr/local/bin${path.delimiter}${process.env.PATH ?? ''}` };

async function helm(args: string[]): Promise<string> {
  const { stdout } = await run(toolPath('helm'), args, { cwd: REPO_ROOT, env: toolEnv, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

async function render(args: string[] = [], release = RELEASE): Promise<Manifest> {
  const stdout = await helm(['template', release, CHART, '--namespace', NAMESPACE, ...args]);
  return new Manifest(stdout);
}

/** The failure of a helm command that must fail, as its stderr. */
async function helmFailure(args: string[]): Promise<string> {
  try {
    await helm(args);
  } catch (error) {
    return String((error as { stderr?: string }).stderr ?? error);
  }
  assert.fail(`helm ${args.join(' ')} succeeded but should have failed`);
}

class Manifest {
  readonly objects: K8sObject[];

  constructor(text: string) {
    const documents = parseAllDocuments(text);
    this.objects = [];
    for (const document of documents) {
      assert.deepEqual(document.errors, [], 'helm rendered invalid YAML');
      const object = document.toJS() as K8sObject | null;
      if (object) this.objects.push(object);
    }
  }

  all(kind: string): K8sObject[] {
    return this.objects.filter((object) => object.kind === kind);
  }

  find(kind: string, name: string): K8sObject | undefined {
    return this.objects.find((object) => object.kind === kind && object.metadata?.name === name);
  }

  get(kind: string, name: string): K8sObject {
    const object = this.find(kind, name);
    assert.ok(object, `no ${kind} ${name} among ${this.objects.map((o) => `${o.kind}/${o.metadata?.name}`).join(', ')}`);
    return object;
  }

  deployment(service: ServiceName): K8sObject {
    return this.get('Deployment', `${RELEASE}-${service}`);
  }

  /** Every pod spec the release would create, with the owner's name. */
  podSpecs(): Array<{ owner: string; spec: K8sObject; labels: Record<string, string> }> {
    const pods = this.objects
      .filter((object) => ['Deployment', 'StatefulSet'].includes(object.kind))
      .map((object) => ({ owner: `${object.kind}/${object.metadata.name}`, spec: object.spec.template.spec, labels: object.spec.template.metadata.labels }));
    for (const pod of this.all('Pod')) pods.push({ owner: `Pod/${pod.metadata.name}`, spec: pod.spec, labels: pod.metadata.labels });
    return pods;
  }
}

function container(deployment: K8sObject): K8sObject {
  const containers = deployment.spec.template.spec.containers as K8sObject[];
  assert.equal(containers.length, 1, `${deployment.metadata.name} has one container`);
  return containers[0];
}

function envOf(deployment: K8sObject): Map<string, K8sObject> {
  return new Map((container(deployment).env as K8sObject[]).map((entry) => [entry.name, entry]));
}

function envValue(deployment: K8sObject, name: string): string {
  const entry = envOf(deployment).get(name);
  assert.ok(entry, `${deployment.metadata.name} has no ${name}`);
  assert.equal(typeof entry.value, 'string', `${deployment.metadata.name}: ${name} is a plain value`);
  return entry.value;
}

/** The value of a plain environment variable of a (test) Pod's one container. */
function podEnvValue(pod: K8sObject, name: string): string {
  const [only] = pod.spec.containers as K8sObject[];
  const entry = (only.env as K8sObject[]).find((e) => e.name === name);
  assert.ok(entry, `${pod.metadata.name} has no ${name}`);
  return entry.value;
}

/** The Service a `host:port` address of the env contract points at, checked to reach the service's pods. */
function serviceBehind(manifest: Manifest, address: string, service: ServiceName): K8sObject {
  const match = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc:(\d+)$/.exec(address);
  assert.ok(match, `${address} is <service>.<namespace>.svc:<port>`);
  const [, name, namespace, port] = match;
  assert.equal(namespace, NAMESPACE);
  const svc = manifest.get('Service', name);
  assert.ok(
    (svc.spec.ports as K8sObject[]).some((p) => p.port === Number(port)),
    `Service ${name} exposes ${port}`,
  );
  const podLabels = manifest.deployment(service).spec.template.metadata.labels;
  for (const [key, value] of Object.entries(svc.spec.selector as Record<string, string>)) {
    assert.equal(podLabels[key], value, `Service ${name} selects the pods of ${service} (${key})`);
  }
  return svc;
}

function secretOf(manifest: Manifest, name: string): Record<string, string> {
  const secret = manifest.get('Secret', name);
  return Object.fromEntries(Object.entries(secret.data as Record<string, string>).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
}

function subjectAltNames(pem: string): Set<string> {
  return new Set((new X509Certificate(pem).subjectAltName ?? '').split(',').map((entry) => entry.trim()));
}

/** The variables of the authentication and authorization settings a container gets, by name. */
const AUTH_VARIABLE = /^KAPI_(ANONYMOUS_AUTH|ENABLE_BOOTSTRAP_TOKEN_AUTH|TOKEN_AUTH_FILE|SERVICE_ACCOUNT_|OIDC_|AUTHORIZATION_|AUTHENTICATION_)/;
/** The front door's own settings (kube-apiserver's shutdown and in-flight flags), tested on their own. */
const FRONT_DOOR_SETTING = /^KAPI_(SHUTDOWN_DELAY_DURATION|MAX_REQUESTS_INFLIGHT|MAX_MUTATING_REQUESTS_INFLIGHT)$/;

function authEnv(deployment: K8sObject): Record<string, string> {
  return Object.fromEntries([...envOf(deployment).keys()].filter((name) => AUTH_VARIABLE.test(name)).map((name) => [name, envValue(deployment, name)]));
}

/** The files a volume puts in its directory, each with the Secret or ConfigMap key it comes from. */
function volumeFiles(volume: K8sObject): Map<string, string> {
  const files = new Map<string, string>();
  const add = (kind: string, name: string, items: K8sObject[]) => {
    for (const item of items) files.set(item.path, `${kind}/${name}:${item.key}`);
  };
  if (volume.secret) add('Secret', volume.secret.secretName, volume.secret.items);
  if (volume.configMap) add('ConfigMap', volume.configMap.name, volume.configMap.items);
  for (const source of volume.projected?.sources ?? []) add('Secret', source.secret.name, source.secret.items);
  return files;
}

/** The variables naming the files of TLS to etcd (see the external etcd test). */
const ETCD_TLS_VARIABLE = /^KAPI_ETCD_(CA|CERT|KEY)FILE$/;

/**
 * Where each file an authentication or authorization variable names comes from, checking that it
 * is mounted read-only, and that nothing else is mounted beside the PKI, state, tmp and the files
 * of TLS to etcd.
 */
function authFileSources(deployment: K8sObject): Record<string, string> {
  const spec = deployment.spec.template.spec;
  const volumes = new Map((spec.volumes as K8sObject[]).map((v) => [v.name, v]));
  const mounts = container(deployment).volumeMounts as K8sObject[];
  const sources: Record<string, string> = {};
  const used = new Set(['pki', 'state', 'tmp']);
  const etcdTlsFiles = [...envOf(deployment).keys()].filter((name) => ETCD_TLS_VARIABLE.test(name)).map((name) => envValue(deployment, name));
  for (const file of etcdTlsFiles) used.add(mounts.find((m) => m.mountPath === path.dirname(file))?.name ?? `nothing at ${file}`);
  for (const value of Object.values(authEnv(deployment))) {
    for (const file of value.split(',').filter((f) => f.startsWith('/'))) {
      const mount = mounts.find((m) => m.mountPath === path.dirname(file));
      assert.ok(mount, `${deployment.metadata.name}: ${file} is mounted`);
      assert.equal(mount.readOnly, true, `${deployment.metadata.name}: ${file} is read-only`);
      const source = volumeFiles(volumes.get(mount.name) ?? {}).get(path.basename(file));
      assert.ok(source, `${deployment.metadata.name}: volume ${mount.name} holds ${path.basename(file)}`);
      sources[file] = source;
      used.add(mount.name);
    }
  }
  assert.deepEqual(mounts.map((m) => m.name).sort(), [...used].sort(), `${deployment.metadata.name} mounts only what its variables name`);
  assert.deepEqual([...volumes.keys()].sort(), [...used].sort(), `${deployment.metadata.name} has only the volumes it mounts`);
  return sources;
}

/** The command of the `helm test` pod. */
function testCommand(manifest: Manifest): string[] {
  return manifest.get('Pod', `${RELEASE}-test-readyz`).spec.containers[0].command;
}

/** A container's plain env values, as the service's process would see them. */
function processEnv(deployment: K8sObject): NodeJS.ProcessEnv {
  return Object.fromEntries([...envOf(deployment).entries()].filter(([, entry]) => typeof entry.value === 'string').map(([name, entry]) => [name, entry.value]));
}

function natsConfig(manifest: Manifest): string {
  return manifest.get('ConfigMap', `${RELEASE}-nats`).data['nats.conf'];
}

const PKI_LOOKUP = 'lookup "v1" "Secret" .Release.Namespace (include "kapi.pkiSecretName" .)';

/**
 * A copy of the chart that can show what only a cluster would: the Secret `lookup` finds comes
 * from the value testExistingSecret, and NOTES.txt is rendered into a ConfigMap (helm template
 * never prints the notes). The schema is dropped because it refuses the extra value.
 */
function probeChart(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-chart-'));
  fs.cpSync(path.join(REPO_ROOT, CHART), dir, { recursive: true });
  const helpers = path.join(dir, 'templates', '_helpers.tpl');
  const text = fs.readFileSync(helpers, 'utf8');
  assert.equal(text.split(PKI_LOOKUP).length, 2, 'the PKI is looked up exactly once, as this test expects');
  fs.writeFileSync(helpers, text.replace(PKI_LOOKUP, '(.Values.testExistingSecret | default dict)'));
  fs.rmSync(path.join(dir, 'values.schema.json'));
  fs.copyFileSync(path.join(dir, 'templates', 'NOTES.txt'), path.join(dir, 'notes.txt'));
  fs.writeFileSync(
    path.join(dir, 'templates', 'zz-notes.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: rendered-notes\ndata:\n  notes: {{ tpl (.Files.Get "notes.txt") . | toJson }}\n',
  );
  return dir;
}

async function renderProbe(chartDir: string, values: object, args: string[] = []): Promise<Manifest> {
  const valuesFile = path.join(chartDir, `values-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(valuesFile, JSON.stringify(values));
  const stdout = await helm(['template', RELEASE, chartDir, '--namespace', NAMESPACE, '--values', valuesFile, ...args]);
  return new Manifest(stdout);
}

const CI_VALUES = {
  external: `${CHART}/ci/external-etcd-values.yaml`,
  existingPki: `${CHART}/ci/existing-pki-values.yaml`,
  ha: `${CHART}/ci/ha-values.yaml`,
  auth: `${CHART}/ci/auth-values.yaml`,
};

describe('the kapi Helm chart', { timeout: 120_000 }, () => {
  let defaults: Manifest;
  let external: Manifest;
  let existingPki: Manifest;
  let ha: Manifest;
  let auth: Manifest;
  let otherRelease: Manifest;
  // The linters are the slow part; they run while the renders are checked.
  let helmLint: Promise<string>;
  let ctLint: Promise<{ stdout: string; stderr: string }>;

  before(async () => {
    helmLint = helm(['lint', '--strict', CHART]);
    ctLint = run(toolPath('ct'), ['lint', '--config', 'charts/ct.yaml', '--charts', CHART, '--validate-maintainers=false'], {
      cwd: REPO_ROOT,
      env: toolEnv,
      maxBuffer: 16 * 1024 * 1024,
    });
    // Awaited by their tests; this only keeps a failure from counting as unhandled before then.
    helmLint.catch(() => undefined);
    ctLint.catch(() => undefined);
    [defaults, external, existingPki, ha, auth, otherRelease] = await Promise.all([
      render(),
      render(['--values', CI_VALUES.external]),
      render(['--values', CI_VALUES.existingPki]),
      render(['--values', CI_VALUES.ha]),
      render(['--values', CI_VALUES.auth]),
      render(['--set', 'aggregator.replicas=1'], 'edge'),
    ]);
  });

  test('helm lint --strict passes', async () => {
    assert.match(await helmLint, /1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  test('ct lint passes with the chart-testing config', async () => {
    const { stdout, stderr } = await ctLint;
    assert.match(`${stdout}\n${stderr}`, /All charts linted successfully/);
  });

  test('every service has a Deployment that runs it from the one image', () => {
    for (const service of ALL_SERVICES) {
      const deployment = defaults.deployment(service);
      const main = container(deployment);
      assert.equal(main.image, 'kapi:0.1.0', `${service} image defaults to the appVersion`);
      assert.deepEqual(main.command, ['node', `--max-old-space-size=${HEAP_LIMITS_MIB[service]}`, `services/${service}/dist/main.js`]);
      assert.equal(main.workingDir, '/app');
      assert.equal(deployment.spec.replicas, service === 'aggregator' ? 2 : 1, `${service} replicas`);
    }
    assert.equal(defaults.all('Deployment').length, ALL_SERVICES.length);
  });

  test("a service's heap limit is a value of its own", async () => {
    const manifest = await render(['--set', 'watchCache.maxOldSpaceSize=1500', '--set', 'watchCache.resources.limits.memory=2Gi']);
    assert.equal(container(manifest.deployment('watch-cache')).command[1], '--max-old-space-size=1500');
    assert.match(await helmFailure(['template', RELEASE, CHART, '--set', 'registry.maxOldSpaceSize=10']), /maxOldSpaceSize.*minimum/);
  });

  test('every Deployment gets the env contract of the local stack, with in-cluster addresses', () => {
    for (const service of ALL_SERVICES) {
      const deployment = defaults.deployment(service);
      const env = envOf(deployment);
      // The local stack gives the advertise address to front doors and a metrics address to the rest.
      const expected: string[] = SERVICE_ENV_KEYS.filter((key) =>
        service === 'aggregator' ? key !== 'KAPI_METRICS_LISTEN' : key !== 'KAPI_ADVERTISE_ADDRESS',
      );
      // The registry's leader runs kapi's controllers; which ones, the chart says.
      if (service === 'registry') expected.push('KAPI_CONTROLLERS');
      // The authentication and authorization variables have tests of their own.
      assert.deepEqual(
        [...env.keys()].filter((key) => key.startsWith('KAPI_') && !AUTH_VARIABLE.test(key) && !FRONT_DOOR_SETTING.test(key)).sort(),
        [...expected].sort(),
        `${service} env keys`,
      );

      assert.equal(envValue(deployment, 'KAPI_SERVICE_NAME'), service);
      assert.deepEqual(env.get('KAPI_INSTANCE')?.valueFrom, { fieldRef: { fieldPath: 'metadata.name' } }, 'one instance name per pod');
      const port = service === 'aggregator' ? 6443 : GRPC_PORTS[service];
      assert.equal(envValue(deployment, 'KAPI_LISTEN'), `0.0.0.0:${port}`);
      assert.ok(
        (container(deployment).ports as K8sObject[]).some((p) => p.containerPort === port),
        `${service} declares its listening port ${port}`,
      );

      for (const backend of BACKEND_SERVICES) {
        const variable = `KAPI_${backend.toUpperCase().replace(/-/g, '_')}_ADDR`;
        const address = envValue(deployment, variable);
        assert.equal(address, `${RELEASE}-${backend}.${NAMESPACE}.svc:${GRPC_PORTS[backend]}`, `${service} ${variable}`);
        const svc = serviceBehind(defaults, address, backend);
        assert.equal(svc.spec.clusterIP, 'None', `${svc.metadata.name} is headless, so its name resolves to every replica`);
      }

      assert.equal(envValue(deployment, 'KAPI_ETCD_ENDPOINTS'), `http://${RELEASE}-etcd-0.${RELEASE}-etcd.${NAMESPACE}.svc:2379`);
      assert.equal(envValue(deployment, 'KAPI_NATS_URL'), `nats://${RELEASE}-nats.${NAMESPACE}.svc:4222`);
      assert.equal(envValue(deployment, 'KAPI_PKI_DIR'), '/etc/kapi/pki');
      assert.equal(envValue(deployment, 'KAPI_TRACE_FILE'), '', 'no trace file by default');
      assert.equal(envValue(deployment, 'KAPI_STATE_DIR'), '/var/lib/kapi');
      if (service === 'registry') assert.equal(envValue(deployment, 'KAPI_CONTROLLERS'), '*', 'all of kapi\'s controllers by default');
      if (service === 'aggregator') {
        assert.deepEqual(env.get('KAPI_ADVERTISE_ADDRESS')?.valueFrom, { fieldRef: { fieldPath: 'status.podIP' } });
      } else {
        assert.equal(envValue(deployment, 'KAPI_METRICS_LISTEN'), '0.0.0.0:9090');
      }

      const mounts = new Map((container(deployment).volumeMounts as K8sObject[]).map((m) => [m.mountPath, m]));
      for (const dir of ['/etc/kapi/pki', '/var/lib/kapi']) assert.ok(mounts.has(dir), `${service} mounts ${dir}`);
    }
  });

  test('the in-chart etcd and NATS stand behind the contract addresses, with persistent volumes', () => {
    const etcd = defaults.get('StatefulSet', `${RELEASE}-etcd`);
    assert.equal(container(etcd).image, 'kapi/etcd:3.6.4', 'the image npm run image:build makes');
    assert.ok(defaults.get('Service', `${RELEASE}-etcd`).spec.ports.some((p: K8sObject) => p.port === 2379));
    assert.equal(etcd.spec.volumeClaimTemplates[0].spec.resources.requests.storage, '8Gi');

    const nats = defaults.get('StatefulSet', `${RELEASE}-nats`);
    assert.ok(defaults.get('Service', `${RELEASE}-nats`).spec.ports.some((p: K8sObject) => p.port === 4222));
    assert.equal(nats.spec.volumeClaimTemplates[0].metadata.name, 'data');
    assert.ok((container(nats).volumeMounts as K8sObject[]).some((m) => m.name === 'data' && m.mountPath === '/data'));
  });

  test('etcd.replicas=3: three members that know each other, every one given to the registry, one disruption at a time', async () => {
    const three = await render(['--set', 'etcd.replicas=3']);
    const etcd = three.get('StatefulSet', `${RELEASE}-etcd`);
    assert.equal(etcd.spec.replicas, 3);
    assert.equal(etcd.spec.podManagementPolicy, 'Parallel', 'a member is Ready only once a quorum exists');
    const members = [0, 1, 2].map((i) => `${RELEASE}-etcd-${i}`);
    const args = container(etcd).command as string[];
    assert.ok(args.includes(`--initial-cluster=${members.map((m) => `${m}=http://${m}.${RELEASE}-etcd.${NAMESPACE}.svc:2380`).join(',')}`), args.join(' '));
    assert.equal(envValue(three.deployment('registry'), 'KAPI_ETCD_ENDPOINTS'), members.map((m) => `http://${m}.${RELEASE}-etcd.${NAMESPACE}.svc:2379`).join(','));
    assert.equal(three.get('PodDisruptionBudget', `${RELEASE}-etcd`).spec.maxUnavailable, 1);
    assert.equal(three.get('Service', `${RELEASE}-etcd-client`).spec.clusterIP, undefined, 'a ClusterIP for clients other than the registry');
    assert.equal(defaults.find('PodDisruptionBudget', `${RELEASE}-etcd`), undefined, 'one member: no budget that would block every drain');
    assert.match(
      await helmFailure(['template', RELEASE, CHART, '--namespace', NAMESPACE, '--set', 'etcd.replicas=3', '--set', 'etcd.persistence.enabled=false']),
      /etcd\.replicas > 1 needs etcd\.persistence\.enabled/,
    );
  });

  test('the NATS config enables JetStream with sync_interval: always', () => {
    const config = natsConfig(defaults);
    const jetstream = /jetstream\s*\{([^}]*)\}/.exec(config);
    assert.ok(jetstream, `a jetstream block in:\n${config}`);
    assert.match(jetstream[1], /^\s*sync_interval:\s*always\s*$/m);
    assert.match(jetstream[1], /^\s*store_dir:\s*"\/data\/jetstream"\s*$/m);
    assert.match(config, /^listen:\s*"0\.0\.0\.0:4222"$/m);
  });

  test('the NATS config takes messages as large as the local stack\'s, so the largest object fits one', () => {
    assert.match(natsConfig(defaults), new RegExp(`^max_payload: ${NATS_MAX_PAYLOAD_BYTES}$`, 'm'));
  });

  test("NATS requires mutual TLS and grants each identity what the local stack's NATS_USERS grant", () => {
    const config = natsConfig(defaults);
    const local = renderNatsAuthorization({ certFile: '/etc/nats/tls/nats.crt', keyFile: '/etc/nats/tls/nats.key', caFile: '/etc/nats/tls/ca.crt' }).join('\n').trim();
    assert.ok(config.includes(local), `the chart's NATS config holds the local stack's tls and authorization blocks:\n${local}\n---\n${config}`);
    assert.deepEqual(NATS_USERS.map((user) => user.identity), ['registry', 'watch-cache']);
    assert.doesNotMatch(config, /no_auth_user|password|token/);

    // The server mounts its own certificate and key and the services CA, nothing else of the PKI.
    const nats = defaults.get('StatefulSet', `${RELEASE}-nats`);
    const tls = (nats.spec.template.spec.volumes as K8sObject[]).find((v) => v.name === 'tls');
    assert.deepEqual([...volumeFiles(tls ?? {}).entries()].sort(), [
      ['ca.crt', `Secret/${RELEASE}-pki:services-ca.crt`],
      ['nats.crt', `Secret/${RELEASE}-pki:nats.crt`],
      ['nats.key', `Secret/${RELEASE}-pki:nats.key`],
    ]);
    assert.deepEqual((container(nats).volumeMounts as K8sObject[]).find((m) => m.name === 'tls'), { name: 'tls', mountPath: '/etc/nats/tls', readOnly: true });
    assert.match(nats.spec.template.metadata.annotations['checksum/pki'], /^[0-9a-f]{64}$/, 'a new certificate restarts NATS');
  });

  test('the generated services PKI: a CA apart from the users\' CA, one ECDSA certificate per identity', () => {
    const pki = secretOf(defaults, `${RELEASE}-pki`);
    const servicesCa = new X509Certificate(pki['services-ca.crt']);
    const usersCa = new X509Certificate(pki['ca.crt']);
    assert.equal(servicesCa.subject, 'CN=kapi-services-ca');
    assert.ok(servicesCa.ca && servicesCa.checkPrivateKey(createPrivateKey(pki['services-ca.key'])));
    assert.notEqual(servicesCa.fingerprint256, usersCa.fingerprint256);
    for (const identity of SERVICE_IDENTITIES) {
      const cert = new X509Certificate(pki[`${identity}.crt`]);
      assert.equal(identityOf(cert), identity);
      assert.ok(cert.checkIssued(servicesCa) && cert.verify(servicesCa.publicKey), `${identity} is issued by the services CA`);
      assert.ok(!cert.checkIssued(usersCa), `${identity} is not from the users' CA`);
      assert.ok(cert.checkPrivateKey(createPrivateKey(pki[`${identity}.key`])), `${identity}.key matches`);
      assert.equal(cert.publicKey.asymmetricKeyType, 'ec', identity);
    }
  });

  test("each service reads its own identity's files, which only its pods mount", () => {
    for (const [label, manifest, secret] of [
      ['defaults', defaults, `${RELEASE}-pki`],
      ['existing PKI', existingPki, 'kapi-pki-from-my-ca'],
    ] as const) {
      for (const service of ALL_SERVICES) {
        const deployment = manifest.deployment(service);
        const files = loadServiceTls(processEnv(deployment));
        assert.deepEqual(files, {
          caFile: '/etc/kapi/pki/services/ca.crt',
          certFile: `/etc/kapi/pki/services/${service}.crt`,
          keyFile: `/etc/kapi/pki/services/${service}.key`,
        }, `${label}: ${service}`);
        const mount = (container(deployment).volumeMounts as K8sObject[]).find((m) => m.name === 'pki');
        assert.deepEqual(mount, { name: 'pki', mountPath: '/etc/kapi/pki', readOnly: true });
        const pki = volumeFiles((deployment.spec.template.spec.volumes as K8sObject[]).find((v) => v.name === 'pki') ?? {});
        assert.equal(pki.get('services/ca.crt'), `Secret/${secret}:services-ca.crt`, `${label}: ${service}`);
        assert.equal(pki.get(`services/${service}.crt`), `Secret/${secret}:${service}.crt`, `${label}: ${service}`);
        assert.equal(pki.get(`services/${service}.key`), `Secret/${secret}:${service}.key`, `${label}: ${service}`);
        const keys = [...pki.keys()].filter((file) => file.endsWith('.key'));
        const proxyKey = service === 'aggregator' || service === 'registry' ? ['front-proxy-client.key'] : [];
        assert.deepEqual(keys.sort(), [...(service === 'aggregator' ? ['apiserver.key'] : []), ...proxyKey, `services/${service}.key`].sort(), `${label}: ${service} mounts no other key`);
      }
    }
  });

  test('NetworkPolicies admit each backend only from the pods the caller table lists, etcd only from the registry, NATS only from its users', () => {
    const policies = new Map(defaults.all('NetworkPolicy').map((policy) => [policy.metadata.name as string, policy]));
    assert.deepEqual([...policies.keys()].sort(), [...ALL_SERVICES, 'etcd', 'nats'].map((c) => `${RELEASE}-${c}`).sort());
    const admitted = (component: string) => {
      const policy = policies.get(`${RELEASE}-${component}`)!;
      assert.deepEqual(policy.spec.policyTypes, ['Ingress']);
      assert.equal(policy.spec.podSelector.matchLabels['app.kubernetes.io/component'], component);
      const [first] = policy.spec.ingress as K8sObject[];
      return (first.from as K8sObject[] | undefined)?.map((peer) => {
        assert.equal(peer.podSelector.matchLabels['app.kubernetes.io/instance'], RELEASE);
        return peer.podSelector.matchLabels['app.kubernetes.io/component'] as string;
      });
    };
    const grpcServices: Record<string, string> = {
      authn: 'kapi.authn.v1.Authentication',
      authz: 'kapi.authz.v1.Authorization',
      admission: 'kapi.admission.v1.Admission',
      registry: 'kapi.registry.v1.Registry',
      'watch-cache': 'kapi.watchcache.v1.WatchCache',
    };
    for (const [component, grpcService] of Object.entries(grpcServices)) {
      // Every backend also answers Health to the front door, which asks it for /readyz.
      const callers = new Set<string>(FRONT_DOORS);
      for (const allowed of Object.values(CALLERS[grpcService as keyof typeof CALLERS])) if (allowed !== ANY_IDENTITY) for (const c of allowed) callers.add(c);
      assert.deepEqual(admitted(component)?.sort(), [...callers].sort(), component);
      assert.deepEqual(policies.get(`${RELEASE}-${component}`)!.spec.ingress[0].ports, [{ port: 'grpc', protocol: 'TCP' }], component);
    }
    assert.deepEqual(admitted('etcd'), ['registry']);
    assert.deepEqual(admitted('nats')?.sort(), NATS_USERS.map((user) => user.identity).sort());
    assert.equal(admitted('aggregator'), undefined, 'the front door admits every source by default');
    assert.deepEqual(policies.get(`${RELEASE}-aggregator`)!.spec.ingress, [{ ports: [{ port: 'https', protocol: 'TCP' }] }]);
    assert.equal(external.all('NetworkPolicy').length, ALL_SERVICES.length, 'no policy for an etcd or NATS the release does not run');
  });

  test('NetworkPolicies: the front door and the metrics ports admit whom the values name, and can be left out', async () => {
    const ingress = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress' } } };
    const prometheus = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } };
    const valuesFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-np-')), 'values.json');
    fs.writeFileSync(valuesFile, JSON.stringify({ networkPolicy: { enabled: true, frontDoorFrom: [ingress], metricsFrom: [prometheus] } }));
    const [restricted, off] = await Promise.all([render(['--values', valuesFile]), render(['--set', 'networkPolicy.enabled=false'])]);
    fs.rmSync(path.dirname(valuesFile), { recursive: true, force: true });
    const frontDoor = restricted.get('NetworkPolicy', `${RELEASE}-aggregator`).spec.ingress[0];
    assert.deepEqual(frontDoor.from[0], ingress);
    assert.equal(frontDoor.from[1].podSelector.matchLabels['app.kubernetes.io/component'], 'test', 'the helm test pod still reaches the front door');
    const registry = restricted.get('NetworkPolicy', `${RELEASE}-registry`).spec.ingress;
    assert.deepEqual(registry[1], { ports: [{ port: 'metrics', protocol: 'TCP' }], from: [prometheus] });
    assert.equal(off.all('NetworkPolicy').length, 0);
  });

  test("the front door gets kube-apiserver's shutdown delay and in-flight limits, and a grace period that covers its drain", async () => {
    const frontDoor = defaults.deployment('aggregator');
    assert.equal(envValue(frontDoor, 'KAPI_SHUTDOWN_DELAY_DURATION'), '10s');
    assert.equal(envValue(frontDoor, 'KAPI_MAX_REQUESTS_INFLIGHT'), '400');
    assert.equal(envValue(frontDoor, 'KAPI_MAX_MUTATING_REQUESTS_INFLIGHT'), '200');
    assert.equal(frontDoor.spec.template.spec.terminationGracePeriodSeconds, 80);
    for (const service of BACKEND_SERVICES) {
      const env = envOf(defaults.deployment(service));
      assert.ok(![...env.keys()].some((key) => FRONT_DOOR_SETTING.test(key)), `${service} gets no front-door setting`);
    }
    const tuned = await render(['--set', 'aggregator.shutdownDelayDuration=30s', '--set', 'aggregator.terminationGracePeriodSeconds=100', '--set', 'aggregator.maxRequestsInflight=0']);
    assert.equal(envValue(tuned.deployment('aggregator'), 'KAPI_SHUTDOWN_DELAY_DURATION'), '30s');
    assert.equal(envValue(tuned.deployment('aggregator'), 'KAPI_MAX_REQUESTS_INFLIGHT'), '0');
    assert.equal(tuned.deployment('aggregator').spec.template.spec.terminationGracePeriodSeconds, 100);
  });

  test('the front-door Service exposes 6443 to the aggregator pods', () => {
    const svc = defaults.get('Service', RELEASE);
    assert.equal(svc.spec.type, 'ClusterIP');
    assert.equal(svc.spec.ports.length, 1);
    const [port] = svc.spec.ports;
    assert.equal(port.port, 6443);
    assert.equal(port.targetPort, 'https');
    assert.ok(container(defaults.deployment('aggregator')).ports.some((p: K8sObject) => p.name === 'https' && p.containerPort === 6443));
    const podLabels = defaults.deployment('aggregator').spec.template.metadata.labels;
    for (const [key, value] of Object.entries(svc.spec.selector as Record<string, string>)) assert.equal(podLabels[key], value);
    assert.equal(svc.spec.selector['app.kubernetes.io/component'], 'aggregator');
  });

  test('readiness: HTTPS /readyz on the aggregator, the gRPC port on the backends', () => {
    const probe = container(defaults.deployment('aggregator')).readinessProbe;
    assert.deepEqual(probe.httpGet, { scheme: 'HTTPS', path: '/readyz', port: 'https' });
    for (const service of BACKEND_SERVICES) {
      assert.deepEqual(container(defaults.deployment(service)).readinessProbe.tcpSocket, { port: 'grpc' }, service);
    }
  });

  test('every kapi container has startup, liveness and readiness probes, as kube-apiserver has', () => {
    for (const service of ALL_SERVICES) {
      const kapi = container(defaults.deployment(service));
      const port = service === 'aggregator' ? 'https' : 'grpc';
      assert.deepEqual(kapi.startupProbe.tcpSocket, { port }, service);
      assert.ok(kapi.startupProbe.periodSeconds * kapi.startupProbe.failureThreshold >= 60, `${service}: a minute or more to start`);
      assert.deepEqual(kapi.livenessProbe.tcpSocket, { port }, service);
      // The startup probe holds liveness back; no fixed initial delay on top of it.
      assert.equal(kapi.livenessProbe.initialDelaySeconds, undefined, service);
      assert.ok(kapi.readinessProbe, service);
    }
  });

  test('the aggregator and every backend have a PodDisruptionBudget selecting their pods', () => {
    for (const service of ALL_SERVICES) {
      const pdb = defaults.get('PodDisruptionBudget', `${RELEASE}-${service}`);
      assert.equal(pdb.apiVersion, 'policy/v1', service);
      assert.equal(pdb.spec.maxUnavailable, 1, service);
      assert.deepEqual(pdb.spec.selector.matchLabels, defaults.deployment(service).spec.selector.matchLabels, service);
    }
  });

  test('a backend PodDisruptionBudget takes its own maxUnavailable, or none when disabled', async () => {
    const manifest = await render(['--set', 'registry.podDisruptionBudget.maxUnavailable=50%', '--set', 'authn.podDisruptionBudget.enabled=false']);
    assert.equal(manifest.get('PodDisruptionBudget', `${RELEASE}-registry`).spec.maxUnavailable, '50%');
    assert.equal(manifest.find('PodDisruptionBudget', `${RELEASE}-authn`), undefined);
    assert.ok(manifest.find('PodDisruptionBudget', `${RELEASE}-authz`));
  });

  test('every object and pod carries the standard labels', () => {
    const expected = {
      'app.kubernetes.io/name': 'kapi',
      'app.kubernetes.io/instance': RELEASE,
      'app.kubernetes.io/version': '0.1.0',
      'app.kubernetes.io/managed-by': 'Helm',
      'helm.sh/chart': 'kapi-0.1.0',
    };
    const labelled = [
      ...defaults.objects.map((object) => ({ what: `${object.kind}/${object.metadata.name}`, labels: object.metadata.labels })),
      ...defaults.podSpecs().map((pod) => ({ what: `pods of ${pod.owner}`, labels: pod.labels })),
    ];
    for (const { what, labels } of labelled) {
      for (const [key, value] of Object.entries(expected)) assert.equal(labels?.[key], value, `${what} ${key}`);
      assert.match(labels?.['app.kubernetes.io/component'] ?? '', /^[a-z-]+$/, `${what} component`);
    }
    for (const service of ALL_SERVICES) {
      assert.equal(defaults.deployment(service).metadata.labels['app.kubernetes.io/component'], service);
    }
  });

  test('every pod runs as non-root with a read-only root filesystem', () => {
    for (const { owner, spec } of defaults.podSpecs()) {
      assert.equal(spec.securityContext?.runAsNonRoot, true, `${owner} runAsNonRoot`);
      for (const c of spec.containers as K8sObject[]) {
        assert.equal(c.securityContext?.readOnlyRootFilesystem, true, `${owner}/${c.name} readOnlyRootFilesystem`);
        assert.equal(c.securityContext?.allowPrivilegeEscalation, false, `${owner}/${c.name} allowPrivilegeEscalation`);
      }
    }
  });

  test('the generated PKI: a serving certificate from the CA for the front-door names, the key only in the aggregator', () => {
    const pki = secretOf(defaults, `${RELEASE}-pki`);
    assert.deepEqual(
      Object.keys(pki).sort(),
      [
        'apiserver.crt',
        'apiserver.key',
        'ca.crt',
        'ca.key',
        'front-proxy-ca.crt',
        'front-proxy-ca.key',
        'front-proxy-client.crt',
        'front-proxy-client.key',
        'sa.key',
        'services-ca.crt',
        'services-ca.key',
        ...SERVICE_IDENTITIES.flatMap((i) => [`${i}.crt`, `${i}.key`]),
      ].sort(),
    );
    // kube's front-proxy PKI: a CA of its own and the client certificate aggregated servers accept by name.
    const frontProxyCa = new X509Certificate(pki['front-proxy-ca.crt']);
    const frontProxyClient = new X509Certificate(pki['front-proxy-client.crt']);
    assert.ok(frontProxyClient.checkIssued(frontProxyCa) && frontProxyClient.verify(frontProxyCa.publicKey), 'front-proxy-client.crt is signed by front-proxy-ca.crt');
    assert.equal(frontProxyClient.subject, 'CN=front-proxy-client');
    assert.ok(frontProxyClient.checkPrivateKey(createPrivateKey(pki['front-proxy-client.key'])));
    const saKey = createPrivateKey(pki['sa.key']);
    assert.deepEqual([saKey.asymmetricKeyType, saKey.asymmetricKeyDetails?.namedCurve], ['ec', 'prime256v1'], 'sa.key signs ServiceAccount tokens with ES256');
    const settings = loadAuthnConfig('/etc/kapi/pki', processEnv(defaults.deployment('authn')));
    assert.deepEqual(settings.serviceAccountKeyFiles, ['/etc/kapi/auth/service-account-signing-key/sa.key'], 'authn verifies with its public half');
    const ca = new X509Certificate(pki['ca.crt']);
    const serving = new X509Certificate(pki['apiserver.crt']);
    assert.ok(ca.ca, 'ca.crt is a CA');
    assert.ok(serving.checkIssued(ca) && serving.verify(ca.publicKey), 'apiserver.crt is signed by ca.crt');
    assert.ok(serving.checkPrivateKey(createPrivateKey(pki['apiserver.key'])), 'apiserver.key matches apiserver.crt');
    assert.ok(ca.checkPrivateKey(createPrivateKey(pki['ca.key'])), 'ca.key matches ca.crt');
    const sans = subjectAltNames(pki['apiserver.crt']);
    for (const name of [
      RELEASE,
      `${RELEASE}.${NAMESPACE}`,
      `${RELEASE}.${NAMESPACE}.svc`,
      `${RELEASE}.${NAMESPACE}.svc.cluster.local`,
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      'kubernetes.default.svc.cluster.local',
      'localhost',
    ]) {
      assert.ok(sans.has(`DNS:${name}`), `serving certificate names ${name}: ${[...sans].join(', ')}`);
    }
    assert.ok(sans.has('IP Address:127.0.0.1'));

    for (const service of ALL_SERVICES) {
      const volume = (defaults.deployment(service).spec.template.spec.volumes as K8sObject[]).find((v) => v.name === 'pki');
      assert.ok(volume, `${service} has the pki volume`);
      assert.equal(volume.secret.secretName, `${RELEASE}-pki`);
      const files = (volume.secret.items as K8sObject[]).map((item) => item.key).sort();
      const own = ['services-ca.crt', `${service}.crt`, `${service}.key`];
      const frontProxy = { aggregator: ['front-proxy-client.crt', 'front-proxy-client.key'], registry: ['front-proxy-ca.crt', 'front-proxy-client.crt', 'front-proxy-client.key'] }[service as string] ?? [];
      assert.deepEqual(files, [...(service === 'aggregator' ? ['apiserver.crt', 'apiserver.key', 'ca.crt'] : ['ca.crt']), ...frontProxy, ...own].sort(), `${service} PKI files`);
      // Pods restart when the generated PKI changes; this also shows every include saw the same PKI.
      assert.match(defaults.deployment(service).spec.template.metadata.annotations?.['checksum/pki'] ?? '', /^[0-9a-f]{64}$/);
    }
    const checksums = new Set(ALL_SERVICES.map((s) => defaults.deployment(s).spec.template.metadata.annotations['checksum/pki']));
    assert.equal(checksums.size, 1, 'one PKI per render');
  });

  test('the helm test pod curls /readyz through the front-door Service, verifying the CA', () => {
    const pod = defaults.get('Pod', `${RELEASE}-test-readyz`);
    assert.equal(pod.metadata.annotations['helm.sh/hook'], 'test');
    const [curl] = pod.spec.containers as K8sObject[];
    assert.equal(curl.command[0], 'curl');
    assert.ok(curl.command.includes('--fail'));
    assert.ok(curl.command.includes('/etc/kapi/pki/ca.crt'));
    assert.match(curl.command.at(-1), new RegExp(`^https://${RELEASE}\\.${NAMESPACE}\\.svc:6443/readyz`));
    assert.equal(pod.spec.restartPolicy, 'Never');
    assert.equal(pod.metadata.annotations['helm.sh/hook-weight'], '-1', 'readiness is checked before the API');
    // Helm 3 deletes hook-succeeded/hook-failed pods before `helm test --logs` reads them.
    assert.equal(pod.metadata.annotations['helm.sh/hook-delete-policy'], 'before-hook-creation');
    assert.equal(curl.image, 'kapi/chart-test:7.88.1');
  });

  test('the helm test API pod creates, updates, deletes and watches through the Service as a system:masters client', () => {
    const pod = defaults.get('Pod', `${RELEASE}-test-api`);
    assert.equal(pod.metadata.annotations['helm.sh/hook'], 'test');
    const [api] = pod.spec.containers as K8sObject[];
    assert.deepEqual(api.command.slice(0, 2), ['/bin/sh', '-ec']);
    assert.match(api.command[2], /-subj "\/O=system:masters\/CN=kapi-chart-test"/);
    assert.match(api.command[2], /watch=true&resourceVersion=\$rv/);
    assert.equal(podEnvValue(pod, 'SERVER'), `https://${RELEASE}.${NAMESPACE}.svc:6443`);
    assert.equal(podEnvValue(pod, 'CLUSTER_IP_SERVER'), '', 'no ClusterIP known before the Service exists');
    const items = (pod.spec.volumes as K8sObject[]).find((v) => v.name === 'pki')?.secret.items.map((item: K8sObject) => item.key as string);
    assert.deepEqual(items, ['ca.crt', 'ca.key'], 'issues its client certificate from the generated CA');
    assert.equal(existingPki.find('Pod', `${RELEASE}-test-api`), undefined, 'no CA key to issue from with pki.existingSecret');
  });

  test('a fixed ClusterIP is the Service\'s and the serving certificate\'s, and the API test reaches the front door by it', async () => {
    const fixed = await render(['--set', 'aggregator.service.clusterIP=10.96.0.200']);
    assert.equal(fixed.get('Service', RELEASE).spec.clusterIP, '10.96.0.200');
    assert.ok(subjectAltNames(secretOf(fixed, `${RELEASE}-pki`)['apiserver.crt']).has('IP Address:10.96.0.200'));
    assert.equal(podEnvValue(fixed.get('Pod', `${RELEASE}-test-api`), 'CLUSTER_IP_SERVER'), 'https://10.96.0.200:6443');
    assert.equal(defaults.get('Service', RELEASE).spec.clusterIP, undefined);
  });

  test('renders for the Kubernetes v1.20 a go-installed helm assumes: no kubeVersion constraint, policy/v1 is checked instead', async () => {
    const old = await render(['--kube-version', '1.20.0']);
    assert.ok(old.find('PodDisruptionBudget', `${RELEASE}-aggregator`));
  });

  test('external etcd and NATS: no StatefulSets, and the contract carries the given endpoints', () => {
    assert.equal(external.all('StatefulSet').length, 0);
    assert.equal(external.find('ConfigMap', `${RELEASE}-nats`), undefined);
    for (const service of ALL_SERVICES) {
      const deployment = external.deployment(service);
      assert.equal(
        envValue(deployment, 'KAPI_ETCD_ENDPOINTS'),
        'https://etcd-0.etcd.storage.svc:2379,https://etcd-1.etcd.storage.svc:2379,https://etcd-2.etcd.storage.svc:2379',
      );
      assert.equal(envValue(deployment, 'KAPI_NATS_URL'), 'nats://nats.messaging.svc:4222');
    }
  });

  test("external etcd over TLS: only the registry mounts the Secret, and reads it as kapi's settings say", () => {
    for (const service of ALL_SERVICES) {
      const deployment = external.deployment(service);
      const etcdVariables = [...envOf(deployment).keys()].filter((name) => ETCD_TLS_VARIABLE.test(name));
      const mount = (container(deployment).volumeMounts as K8sObject[]).find((m) => m.name === 'etcd-tls');
      if (service !== 'registry') {
        assert.deepEqual(etcdVariables, [], service);
        assert.equal(mount, undefined, service);
        continue;
      }
      assert.deepEqual(mount, { name: 'etcd-tls', mountPath: '/etc/kapi/etcd', readOnly: true });
      const volume = (deployment.spec.template.spec.volumes as K8sObject[]).find((v) => v.name === 'etcd-tls');
      assert.equal(volume?.secret.secretName, 'etcd-client-kapi');
      assert.deepEqual(
        (volume?.secret.items as K8sObject[]).map((i) => `${i.key}:${i.path}`),
        ['ca.crt:ca.crt', 'tls.crt:tls.crt', 'tls.key:tls.key'],
      );
      const env = processEnv(deployment);
      assert.deepEqual(loadEtcdTls(env, list(env.KAPI_ETCD_ENDPOINTS)), {
        caFile: '/etc/kapi/etcd/ca.crt',
        certFile: '/etc/kapi/etcd/tls.crt',
        keyFile: '/etc/kapi/etcd/tls.key',
      });
    }
  });

  test('an existing PKI Secret is mounted and none is generated', () => {
    assert.equal(existingPki.all('Secret').length, 0);
    for (const service of ALL_SERVICES) {
      const template = existingPki.deployment(service).spec.template;
      const volume = (template.spec.volumes as K8sObject[]).find((v) => v.name === 'pki');
      assert.equal(volume?.secret.secretName, 'kapi-pki-from-my-ca', service);
      assert.equal(template.metadata.annotations?.['checksum/pki'], undefined, `${service} has no checksum of a Secret the chart cannot see`);
    }
    const testPod = existingPki.get('Pod', `${RELEASE}-test-readyz`);
    assert.equal(testPod.spec.volumes[0].secret.secretName, 'kapi-pki-from-my-ca');
  });

  test('three aggregator replicas behind a LoadBalancer, with the extra names in the serving certificate', () => {
    assert.equal(ha.deployment('aggregator').spec.replicas, 3);
    assert.equal(ha.deployment('registry').spec.replicas, 2);
    assert.equal(ha.deployment('watch-cache').spec.replicas, 2);
    assert.equal(ha.get('Service', RELEASE).spec.type, 'LoadBalancer');
    assert.equal(ha.get('PodDisruptionBudget', `${RELEASE}-aggregator`).spec.maxUnavailable, '34%');
    const sans = subjectAltNames(secretOf(ha, `${RELEASE}-pki`)['apiserver.crt']);
    assert.ok(sans.has('DNS:kapi.example.com'));
    assert.ok(sans.has('IP Address:192.0.2.10'));
    // A multi-replica backend is still one address: the headless name resolves to every pod.
    assert.equal(envValue(ha.deployment('aggregator'), 'KAPI_REGISTRY_ADDR'), `${RELEASE}-registry.${NAMESPACE}.svc:50054`);
  });

  test('controllerManager and scheduler: upstream components beside kapi, each with its own client certificate, through the front door', async () => {
    assert.equal(defaults.find('Deployment', `${RELEASE}-controller-manager`), undefined, 'off by default');
    assert.equal(defaults.find('Deployment', `${RELEASE}-scheduler`), undefined, 'off by default');
    const full = await render(['--set', 'controllerManager.enabled=true', '--set', 'scheduler.enabled=true', '--set', 'controllerManager.controllers={*,-bootstrapsigner}']);
    const pki = secretOf(full, `${RELEASE}-pki`);
    const ca = new X509Certificate(pki['ca.crt']);
    for (const [component, program, user, port] of [
      ['controller-manager', 'kube-controller-manager', 'system:kube-controller-manager', 10257],
      ['scheduler', 'kube-scheduler', 'system:kube-scheduler', 10259],
    ] as const) {
      const deployment = full.get('Deployment', `${RELEASE}-${component}`);
      const c = container(deployment);
      assert.equal(c.image, `registry.k8s.io/${program}:v1.34.2`, 'the upstream image at the version kapi serves');
      const args = c.command as string[];
      assert.equal(args[0], `/usr/local/bin/${program}`);
      for (const flag of ['--kubeconfig=/etc/kubernetes/kubeconfig', '--leader-elect=true', `--secure-port=${port}`]) assert.ok(args.includes(flag), `${component}: ${flag} in ${args.join(' ')}`);
      assert.equal(c.livenessProbe.httpGet.scheme, 'HTTPS');
      const kubeconfig = full.get('ConfigMap', `${RELEASE}-${component}-kubeconfig`).data.kubeconfig as string;
      assert.match(kubeconfig, new RegExp(`server: https://${RELEASE}\\.${NAMESPACE}\\.svc:6443`), 'through the front door Service, whose certificate names it');
      assert.match(kubeconfig, new RegExp(`client-certificate: /etc/kubernetes/pki/${component}\\.crt`));
      const cert = new X509Certificate(pki[`${component}.crt`]);
      assert.equal(cert.subject, `CN=${user}`, 'the user name kube\'s bootstrap policy binds');
      assert.ok(cert.checkIssued(ca) && cert.verify(ca.publicKey), 'issued by the CA kapi trusts for client certificates');
      const items = (deployment.spec.template.spec.volumes as K8sObject[]).find((v) => v.name === 'pki')!.secret.items.map((i: K8sObject) => i.key);
      assert.ok(items.includes(`${component}.key`) && !items.includes(component === 'scheduler' ? 'ca.key' : 'nothing'), `${component} mounts ${items.join(', ')}`);
    }
    const cm = container(full.get('Deployment', `${RELEASE}-controller-manager`)).command as string[];
    assert.ok(cm.includes('--controllers=*,-bootstrapsigner'));
    assert.ok(cm.includes('--use-service-account-credentials=true'));
    assert.equal(
      envValue(full.deployment('registry'), 'KAPI_CONTROLLERS'),
      '-namespace,-garbagecollector,-serviceaccount,-resourcequota,-validatingadmissionpolicy-status-controller',
      "kapi's copies of the controller-manager's controllers step aside",
    );
    assert.ok(cm.includes('--cluster-signing-key-file=/etc/kubernetes/pki/ca.key'));
    const saKey = (full.get('Deployment', `${RELEASE}-controller-manager`).spec.template.spec.volumes as K8sObject[]).find((v) => v.name === 'service-account-key');
    assert.deepEqual(saKey?.secret, { secretName: `${RELEASE}-pki`, items: [{ key: 'sa.key', path: 'sa.key' }] }, "kapi's own token signing key");
  });

  test('names follow the release: another release gets its own prefixed addresses', () => {
    const other = otherRelease;
    const deployment = other.get('Deployment', 'edge-kapi-aggregator');
    assert.equal(envValue(deployment, 'KAPI_AUTHN_ADDR'), `edge-kapi-authn.${NAMESPACE}.svc:50051`);
    assert.equal(envValue(deployment, 'KAPI_ETCD_ENDPOINTS'), `http://edge-kapi-etcd-0.edge-kapi-etcd.${NAMESPACE}.svc:2379`);
    assert.ok(other.find('Service', 'edge-kapi'), 'the front door is named after the release');
  });

  test("by default kapi's authentication and authorization defaults hold, with the PKI Secret's signing key", () => {
    const signingKeyFile = '/etc/kapi/auth/service-account-signing-key/sa.key';
    for (const [label, manifest, pkiSecret] of [
      ['defaults', defaults, `${RELEASE}-pki`],
      ['external', external, `${RELEASE}-pki`],
      ['existing PKI', existingPki, 'kapi-pki-from-my-ca'],
      ['ha', ha, `${RELEASE}-pki`],
    ] as const) {
      for (const service of ALL_SERVICES) {
        const deployment = manifest.deployment(service);
        // kapi's default key files (sa.key, sa.pub in KAPI_PKI_DIR) are not among the PKI files a pod gets.
        const signs = ['registry', 'authn', 'aggregator'].includes(service);
        assert.deepEqual(authEnv(deployment), signs ? { KAPI_SERVICE_ACCOUNT_SIGNING_KEY_FILE: signingKeyFile } : {}, `${label}: ${service}`);
        assert.deepEqual(authFileSources(deployment), signs ? { [signingKeyFile]: `Secret/${pkiSecret}:sa.key` } : {}, `${label}: ${service}`);
      }
      assert.equal(container(manifest.deployment('aggregator')).readinessProbe.httpGet?.path, '/readyz', `${label}: anonymous /readyz`);
      assert.ok(testCommand(manifest).includes('--fail'), `${label}: the helm test wants a 200`);
    }
  });

  test('the auth ci values: each setting reaches, as its variable, only the containers that read it', () => {
    const expected: Record<ServiceName, Record<string, string>> = {
      authn: {
        KAPI_ANONYMOUS_AUTH: 'false',
        KAPI_ENABLE_BOOTSTRAP_TOKEN_AUTH: 'true',
        KAPI_TOKEN_AUTH_FILE: '/etc/kapi/auth/token-auth-file/tokens.csv',
        KAPI_SERVICE_ACCOUNT_KEY_FILES: '/etc/kapi/auth/service-account-keys/0.pem,/etc/kapi/auth/service-account-keys/1.pem',
        KAPI_OIDC_ISSUER_URL: 'https://login.example.com/realms/kapi',
        KAPI_OIDC_CLIENT_ID: 'kapi',
        KAPI_OIDC_USERNAME_CLAIM: 'email',
        KAPI_OIDC_USERNAME_PREFIX: 'oidc:',
        KAPI_OIDC_GROUPS_CLAIM: 'groups',
        KAPI_OIDC_GROUPS_PREFIX: 'oidc:',
        KAPI_OIDC_CA_FILE: '/etc/kapi/auth/oidc-ca/ca.crt',
        KAPI_AUTHENTICATION_TOKEN_WEBHOOK_CONFIG_FILE: '/etc/kapi/auth/authentication-webhook/kubeconfig',
        KAPI_AUTHENTICATION_TOKEN_WEBHOOK_CACHE_TTL: '1m30s',
      },
      authz: {
        KAPI_AUTHORIZATION_MODE: 'Node,RBAC,Webhook',
        KAPI_AUTHORIZATION_WEBHOOK_CONFIG_FILE: '/etc/kapi/auth/authorization-webhook/kubeconfig',
        KAPI_AUTHORIZATION_WEBHOOK_CACHE_AUTHORIZED_TTL: '10m',
        KAPI_AUTHORIZATION_WEBHOOK_CACHE_UNAUTHORIZED_TTL: '0s',
      },
      // The token issuer signs; the front door publishes the verification keys.
      registry: { KAPI_SERVICE_ACCOUNT_SIGNING_KEY_FILE: '/etc/kapi/auth/service-account-signing-key/sa.key' },
      aggregator: { KAPI_SERVICE_ACCOUNT_KEY_FILES: '/etc/kapi/auth/service-account-keys/0.pem,/etc/kapi/auth/service-account-keys/1.pem' },
      admission: {},
      'watch-cache': {},
    };
    for (const service of ALL_SERVICES) assert.deepEqual(authEnv(auth.deployment(service)), expected[service], service);
  });

  test("the auth ci values: every file is mounted read-only from the user's Secret or ConfigMap", () => {
    const verificationKeys = {
      '/etc/kapi/auth/service-account-keys/0.pem': 'Secret/kapi-sa-2026:sa.pub',
      '/etc/kapi/auth/service-account-keys/1.pem': 'Secret/kapi-sa-2025:sa.pub',
    };
    assert.deepEqual(authFileSources(auth.deployment('authn')), {
      '/etc/kapi/auth/token-auth-file/tokens.csv': 'Secret/kapi-static-tokens:tokens.csv',
      ...verificationKeys,
      '/etc/kapi/auth/oidc-ca/ca.crt': 'ConfigMap/login-example-ca:ca.pem',
      '/etc/kapi/auth/authentication-webhook/kubeconfig': 'Secret/kapi-token-webhook:kubeconfig',
    });
    assert.deepEqual(authFileSources(auth.deployment('aggregator')), verificationKeys, 'the front door gets no signing key');
    assert.deepEqual(authFileSources(auth.deployment('registry')), {
      '/etc/kapi/auth/service-account-signing-key/sa.key': 'Secret/kapi-sa-2026:sa.key',
    });
    assert.deepEqual(authFileSources(auth.deployment('authz')), {
      '/etc/kapi/auth/authorization-webhook/kubeconfig': 'Secret/kapi-authz-webhook:config',
    });
    for (const service of ['admission', 'watch-cache'] as const) assert.deepEqual(authFileSources(auth.deployment(service)), {}, service);
  });

  test("the auth ci values are what kapi's own settings loaders read", () => {
    const authn = processEnv(auth.deployment('authn'));
    const settings = loadAuthnConfig('/etc/kapi/pki', authn);
    assert.equal(settings.anonymousAuth, false);
    assert.equal(settings.bootstrapTokenAuth, true);
    assert.equal(settings.tokenAuthFile, '/etc/kapi/auth/token-auth-file/tokens.csv');
    assert.deepEqual(settings.serviceAccountKeyFiles, ['/etc/kapi/auth/service-account-keys/0.pem', '/etc/kapi/auth/service-account-keys/1.pem']);
    assert.deepEqual(settings.oidc, {
      issuerUrl: 'https://login.example.com/realms/kapi',
      clientId: 'kapi',
      caFile: '/etc/kapi/auth/oidc-ca/ca.crt',
      usernameClaim: 'email',
      usernamePrefix: 'oidc:',
      groupsClaim: 'groups',
      groupsPrefix: 'oidc:',
    });
    assert.equal(loadAuthWebhookConfig(authn).authenticationTokenWebhookCacheTtlMs, 90_000);
    const authz = loadAuthWebhookConfig(processEnv(auth.deployment('authz')));
    assert.deepEqual(authz.authorizationModes, ['Node', 'RBAC', 'Webhook']);
    assert.equal(authz.authorizationWebhookConfigFile, '/etc/kapi/auth/authorization-webhook/kubeconfig');
    assert.equal(authz.authorizationWebhookAuthorizedTtlMs, 600_000);
    assert.equal(authz.authorizationWebhookUnauthorizedTtlMs, 0);
    assert.equal(loadAuthnConfig('/etc/kapi/pki', processEnv(auth.deployment('registry'))).serviceAccountSigningKeyFile, '/etc/kapi/auth/service-account-signing-key/sa.key');
    assert.deepEqual(loadAuthnConfig('/etc/kapi/pki', processEnv(auth.deployment('aggregator'))).serviceAccountKeyFiles, settings.serviceAccountKeyFiles);
  });

  test('with anonymous access off, the probes and the helm test need no credentials', () => {
    const aggregator = container(auth.deployment('aggregator'));
    assert.deepEqual(aggregator.readinessProbe.tcpSocket, { port: 'https' }, 'a TCP check: the anonymous /readyz would get 401');
    assert.equal(aggregator.readinessProbe.httpGet, undefined);
    assert.deepEqual(aggregator.livenessProbe.tcpSocket, { port: 'https' });
    const curl = testCommand(auth);
    assert.ok(!curl.includes('--fail'), 'a 401 over the verified TLS connection passes');
    assert.ok(curl.includes('/etc/kapi/pki/ca.crt'));
  });

  test('a signing key alone: registry signs with it, authn and the front door verify with it; an OIDC CA from a Secret', async () => {
    const manifest = await render([
      '--set', 'authentication.serviceAccount.signingKey.secretName=kapi-sa',
      '--set', 'authentication.oidc.issuerURL=https://issuer.example.com',
      '--set', 'authentication.oidc.clientID=kapi',
      '--set', 'authentication.oidc.ca.secretName=issuer-ca',
    ]);
    const signingKey = { '/etc/kapi/auth/service-account-signing-key/sa.key': 'Secret/kapi-sa:sa.key' };
    for (const service of ['registry', 'aggregator'] as const) {
      assert.deepEqual(authEnv(manifest.deployment(service)), { KAPI_SERVICE_ACCOUNT_SIGNING_KEY_FILE: '/etc/kapi/auth/service-account-signing-key/sa.key' }, service);
      assert.deepEqual(authFileSources(manifest.deployment(service)), signingKey, service);
    }
    assert.deepEqual(authFileSources(manifest.deployment('authn')), { ...signingKey, '/etc/kapi/auth/oidc-ca/ca.crt': 'Secret/issuer-ca:ca.crt' });
    const authn = loadAuthnConfig('/etc/kapi/pki', processEnv(manifest.deployment('authn')));
    assert.deepEqual(authn.serviceAccountKeyFiles, ['/etc/kapi/auth/service-account-signing-key/sa.key'], 'verified with the signing key, as kube-apiserver does');
    assert.equal(authn.oidc?.usernamePrefix, 'https://issuer.example.com#');
    assert.equal(authn.anonymousAuth, true);
    assert.deepEqual(authEnv(manifest.deployment('authz')), {});
  });

  test('settings that only work together are refused before anything is installed', async () => {
    const cases: Array<[args: string[], reason: RegExp]> = [
      [['--set', 'authorization.modes={RBAC,Webhook}'], /authorization\.modes lists Webhook: set authorization\.webhook\.kubeconfigSecret/],
      [['--set', 'authorization.webhook.kubeconfigSecret=authz'], /list Webhook in authorization\.modes/],
      [['--set', 'authentication.oidc.issuerURL=https://issuer.example.com'], /authentication\.oidc\.clientID is required/],
      [
        ['--set', 'authentication.oidc.issuerURL=https://i.example.com', '--set', 'authentication.oidc.clientID=k', '--set', 'authentication.oidc.ca.secretName=a', '--set', 'authentication.oidc.ca.configMapName=b'],
        /set secretName or configMapName, not both/,
      ],
      [['--set', 'etcd.externalTls.secretName=etcd-client'], /etcd\.externalTls is for an external etcd: set etcd\.enabled=false/],
      [
        ['--set', 'etcd.enabled=false', '--set', 'etcd.externalEndpoints={http://etcd:2379}', '--set', 'etcd.externalTls.secretName=etcd-client'],
        /etcd\.externalTls is set but etcd\.externalEndpoints has http:\/\/etcd:2379: use https:\/\/ endpoints/,
      ],
    ];
    const failures = await Promise.all(cases.map(([args]) => helmFailure(['template', RELEASE, CHART, '--namespace', NAMESPACE, ...args])));
    failures.forEach((stderr, i) => assert.match(stderr, cases[i][1], `${cases[i][0].join(' ')}: ${stderr}`));
  });

  describe('what only a cluster would show, on a copy of the chart', () => {
    let probe: string;
    before(() => {
      probe = probeChart();
    });
    after(() => fs.rmSync(probe, { recursive: true, force: true }));

    test('an upgrade keeps the generated PKI, and reissues only the serving certificate when its names change', async () => {
      const first = defaults.get('Secret', `${RELEASE}-pki`);
      const existing = { metadata: { annotations: first.metadata.annotations }, data: first.data };
      const withoutServing = { metadata: existing.metadata, data: { 'ca.crt': first.data['ca.crt'], 'ca.key': first.data['ca.key'] } };
      const [same, renamed, renewed] = await Promise.all([
        renderProbe(probe, { testExistingSecret: existing }),
        renderProbe(probe, { testExistingSecret: existing, pki: { generated: { extraDnsNames: ['kapi.example.net'] } } }),
        renderProbe(probe, { testExistingSecret: withoutServing }),
      ]);

      assert.deepEqual(same.get('Secret', `${RELEASE}-pki`).data, first.data, 'nothing changes on a plain upgrade');
      assert.equal(
        same.deployment('aggregator').spec.template.metadata.annotations['checksum/pki'],
        defaults.deployment('aggregator').spec.template.metadata.annotations['checksum/pki'],
        'so no pod restarts',
      );

      const ca = new X509Certificate(Buffer.from(first.data['ca.crt'], 'base64'));
      for (const [label, manifest, name] of [
        ['new names', renamed, 'kapi.example.net'],
        ['removed serving certificate', renewed, `${RELEASE}.${NAMESPACE}.svc`],
      ] as const) {
        const pki = secretOf(manifest, `${RELEASE}-pki`);
        assert.equal(manifest.get('Secret', `${RELEASE}-pki`).data['ca.key'], first.data['ca.key'], `${label}: the CA is kept`);
        if (label === 'new names') assert.equal(manifest.get('Secret', `${RELEASE}-pki`).data['sa.key'], first.data['sa.key'], `${label}: issued tokens stay valid`);
        assert.notEqual(manifest.get('Secret', `${RELEASE}-pki`).data['apiserver.crt'], first.data['apiserver.crt'], `${label}: a new serving certificate`);
        const serving = new X509Certificate(pki['apiserver.crt']);
        assert.ok(serving.checkIssued(ca) && serving.verify(ca.publicKey), `${label}: issued by the kept CA`);
        assert.ok(subjectAltNames(pki['apiserver.crt']).has(`DNS:${name}`), `${label}: names ${name}`);
      }
    });

    test('an upgrade keeps the services CA and every identity; an identity removed is reissued alone from the kept CA', async () => {
      const first = defaults.get('Secret', `${RELEASE}-pki`);
      const existing = { metadata: { annotations: first.metadata.annotations }, data: first.data };
      const { ['authz.crt']: _crt, ['authz.key']: _key, ...withoutAuthz } = first.data as Record<string, string>;
      const [same, renewed] = await Promise.all([
        renderProbe(probe, { testExistingSecret: existing }),
        renderProbe(probe, { testExistingSecret: { metadata: existing.metadata, data: withoutAuthz } }),
      ]);
      assert.deepEqual(same.get('Secret', `${RELEASE}-pki`).data, first.data);
      const data = renewed.get('Secret', `${RELEASE}-pki`).data as Record<string, string>;
      for (const identity of SERVICE_IDENTITIES.filter((i) => i !== 'authz')) assert.equal(data[`${identity}.key`], first.data[`${identity}.key`], identity);
      assert.equal(data['services-ca.key'], first.data['services-ca.key']);
      assert.notEqual(data['authz.key'], undefined);
      const authz = new X509Certificate(Buffer.from(data['authz.crt'], 'base64'));
      assert.equal(identityOf(authz), 'authz');
      assert.ok(authz.checkIssued(new X509Certificate(Buffer.from(first.data['services-ca.crt'], 'base64'))));
    });

    test('the install notes explain how to get an admin kubeconfig', async () => {
      const [generated, own] = await Promise.all([
        renderProbe(probe, {}),
        renderProbe(probe, { pki: { existingSecret: 'my-pki' }, aggregator: { service: { type: 'LoadBalancer', port: 6443 } } }),
      ]);
      const notes = generated.get('ConfigMap', 'rendered-notes').data.notes as string;
      assert.match(notes, /get secret kapi-pki -o jsonpath='\{\.data\.ca\\\.key\}'/);
      assert.match(notes, /-subj "\/O=system:masters\/CN=kubernetes-admin"/);
      // Local port 26443, not 6443: on a cluster's node its own API server holds 6443.
      assert.match(notes, /port-forward service\/kapi 26443:6443/);
      assert.match(notes, /kubectl config set-cluster kapi --server=https:\/\/localhost:26443/);
      assert.match(notes, /helm test kapi -n kapi-system/);
      const ownNotes = own.get('ConfigMap', 'rendered-notes').data.notes as string;
      assert.match(ownNotes, /get secret my-pki /);
      assert.match(ownNotes, /pki\.existingSecret/);
    });
  });

  test('the values schema refuses bad values, and helm fails', async () => {
    const cases: Array<[args: string[], reason: RegExp]> = [
      [['--set', 'aggregator.replicas=-1'], /at '\/aggregator\/replicas': minimum/],
      [['--set', 'watchCache.replicas=0'], /at '\/watchCache\/replicas': minimum/],
      [['--set', 'aggregator.service.type=Ingress'], /at '\/aggregator\/service\/type': value must be one of/],
      [['--set', 'aggregator.replica=3'], /additional properties 'replica' not allowed/],
      [['--set', 'etcd.enabled=false'], /at '\/etcd\/externalEndpoints': minItems/],
      [['--set', 'etcd.replicas=2'], /at '\/etcd\/replicas': value must be one of/],
      [['--set', 'nats.enabled=false'], /at '\/nats\/externalUrl': minLength/],
      [['--set', 'etcd.enabled=false', '--set', 'etcd.externalEndpoints[0]=etcd:2379'], /at '\/etcd\/externalEndpoints\/0': .*does not match pattern/],
      [['--set', 'pki.generated.extraIPs[0]=not-an-address'], /at '\/pki\/generated\/extraIPs\/0'/],
      [['--set', 'authentication.anonymus=false'], /additional properties 'anonymus' not allowed/],
      [['--set', 'authorization.modes={ABAC}'], /at '\/authorization\/modes\/0': value must be one of/],
      [['--set', 'authorization.modes={RBAC,RBAC}'], /at '\/authorization\/modes': items at 0 and 1 are equal/],
      [['--set', 'authorization.modes=null'], /at '\/authorization': missing property 'modes'/],
      [['--set', 'authentication.oidc.issuerURL=http://issuer.example.com'], /at '\/authentication\/oidc\/issuerURL': .*does not match pattern/],
      [['--set', 'authentication.webhook.cacheTTL=two minutes'], /at '\/authentication\/webhook\/cacheTTL': .*does not match pattern/],
      [['--set', 'authentication.tokenFile.secretName=Not_A_Name'], /at '\/authentication\/tokenFile\/secretName'/],
    ];
    const failures = await Promise.all(cases.map(([args]) => helmFailure(['template', RELEASE, CHART, '--namespace', NAMESPACE, ...args])));
    failures.forEach((stderr, i) => {
      const [args, reason] = cases[i];
      assert.match(stderr, /values don't meet the specifications of the schema/, `${args.join(' ')}: ${stderr}`);
      assert.match(stderr, reason, `${args.join(' ')}: ${stderr}`);
    });
  });
});
