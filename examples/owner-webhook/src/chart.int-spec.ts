// The example's Helm chart (charts/owner-webhook), checked without a cluster: helm lint, ct lint
// with the repository's chart-testing config, and helm template with assertions on what it renders:
// the service runs with settings it accepts, the configurations are the ones configurations.ts makes,
// and the generated certificate is one the API server accepts for the Service.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { WEBHOOK_PATHS, webhookConfigurations } from './configurations.js';
import { settingsFromEnv } from './settings.js';

const run = promisify(execFile);
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const CHART = 'charts/owner-webhook';
const RELEASE = 'owner-webhook';
const NAMESPACE = 'webhooks';
const FULLNAME = 'owner-webhook';

type K8sObject = Record<string, any>;

/** deploy/scripts/install-chart-tools.sh puts the tools in /usr/local/bin, which a test runner's PATH may lack. */
const toolEnv = { ...process.env, PATH: `/usr/local/bin${path.delimiter}${process.env.PATH ?? ''}` };

async function tool(name: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(name, args, { cwd: REPO_ROOT, env: toolEnv, maxBuffer: 16 * 1024 * 1024 });
}

async function render(args: string[] = [], chart = CHART): Promise<K8sObject[]> {
  const { stdout } = await tool('helm', ['template', RELEASE, chart, '--namespace', NAMESPACE, ...args]);
  return parseAllDocuments(stdout)
    .map((document) => {
      assert.deepEqual(document.errors, [], 'helm rendered invalid YAML');
      return document.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
}

function get(objects: K8sObject[], kind: string, name = FULLNAME): K8sObject {
  const found = objects.find((object) => object.kind === kind && object.metadata?.name === name);
  assert.ok(found, `no ${kind} ${name} among ${objects.map((o) => `${o.kind}/${o.metadata?.name}`).join(', ')}`);
  return found;
}

function secretData(secret: K8sObject): Record<string, string> {
  return Object.fromEntries(Object.entries(secret.data as Record<string, string>).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
}

function podEnv(deployment: K8sObject): NodeJS.ProcessEnv {
  return Object.fromEntries((deployment.spec.template.spec.containers[0].env as K8sObject[]).map((entry) => [entry.name, entry.value]));
}

describe('the owner-webhook Helm chart', { timeout: 120_000 }, () => {
  test('helm lint --strict and ct lint pass, with every ci/ values file', async () => {
    const lint = await tool('helm', ['lint', '--strict', CHART]);
    assert.match(lint.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    const ct = await tool('ct', ['lint', '--config', 'charts/ct.yaml', '--charts', CHART, '--validate-maintainers=false']);
    assert.match(`${ct.stdout}\n${ct.stderr}`, /All charts linted successfully/);
  });

  test('the service runs from the kapi image with settings it accepts, its certificate mounted read-only', async () => {
    const objects = await render(['--set', 'ownerLabel=kapi.example/team', '--set', 'defaultRequests.cpu=250m']);
    const deployment = get(objects, 'Deployment');
    const [container] = deployment.spec.template.spec.containers;
    assert.deepEqual(container.command, ['node', 'examples/owner-webhook/dist/main.js']);
    assert.equal(container.image, 'kapi:0.1.0');
    assert.equal(container.workingDir, '/app');
    const settings = settingsFromEnv(podEnv(deployment));
    assert.deepEqual(settings, {
      host: '0.0.0.0',
      port: 8443,
      certFile: '/etc/webhook/tls/tls.crt',
      keyFile: '/etc/webhook/tls/tls.key',
      ownerLabel: 'kapi.example/team',
      requests: { cpu: '250m', memory: '128Mi' },
    });
    assert.deepEqual(container.volumeMounts, [{ name: 'tls', mountPath: '/etc/webhook/tls', readOnly: true }]);
    const [volume] = deployment.spec.template.spec.volumes;
    assert.equal(volume.secret.secretName, `${FULLNAME}-tls`);
    assert.deepEqual(volume.secret.items.map((item: K8sObject) => item.key), ['tls.crt', 'tls.key']);
    for (const probe of [container.readinessProbe, container.livenessProbe]) assert.equal(probe.httpGet.scheme, 'HTTPS');
    assert.deepEqual([container.readinessProbe.httpGet.path, container.livenessProbe.httpGet.path], ['/readyz', '/livez']);
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.equal(deployment.spec.template.spec.securityContext.runAsNonRoot, true);
  });

  test('the Service reaches the pods on 443, and a PodDisruptionBudget keeps one of two serving', async () => {
    const objects = await render();
    const service = get(objects, 'Service');
    assert.deepEqual(service.spec.ports, [{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }]);
    const podLabels = get(objects, 'Deployment').spec.template.metadata.labels;
    for (const [key, value] of Object.entries(service.spec.selector as Record<string, string>)) assert.equal(podLabels[key], value);
    assert.equal(get(objects, 'Deployment').spec.replicas, 2);
    assert.equal(get(objects, 'PodDisruptionBudget').spec.maxUnavailable, 1);
    const single = await render(['--set', 'replicas=1']);
    assert.ok(!single.some((object) => object.kind === 'PodDisruptionBudget'));
  });

  test('a generated certificate for <service>.<namespace>.svc, from a CA that is the caBundle', async () => {
    const objects = await render();
    const tls = secretData(get(objects, 'Secret', `${FULLNAME}-tls`));
    assert.equal(get(objects, 'Secret', `${FULLNAME}-tls`).type, 'kubernetes.io/tls');
    const ca = new X509Certificate(tls['ca.crt']);
    const serving = new X509Certificate(tls['tls.crt']);
    assert.ok(serving.checkIssued(ca) && serving.verify(ca.publicKey), 'the serving certificate is signed by the CA');
    assert.ok(serving.checkPrivateKey(createPrivateKey(tls['tls.key'])));
    // What the API server checks when it calls the Service.
    assert.equal(serving.checkHost(`${FULLNAME}.${NAMESPACE}.svc`), `${FULLNAME}.${NAMESPACE}.svc`);
    assert.equal(serving.checkHost(`${FULLNAME}.${NAMESPACE}.svc.cluster.local`), `${FULLNAME}.${NAMESPACE}.svc.cluster.local`);
    for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
      assert.equal(Buffer.from(get(objects, kind).webhooks[0].clientConfig.caBundle, 'base64').toString('utf8'), tls['ca.crt']);
    }
  });

  test('the webhook configurations are the ones configurations.ts makes, calling the Service', async () => {
    const objects = await render();
    const caPem = secretData(get(objects, 'Secret', `${FULLNAME}-tls`))['ca.crt'];
    const expected = webhookConfigurations({ target: { service: { namespace: NAMESPACE, name: FULLNAME } }, caPem });
    for (const configuration of expected) {
      const rendered = get(objects, configuration.kind as string);
      assert.equal(rendered.apiVersion, configuration.apiVersion);
      assert.deepEqual(rendered.webhooks, configuration.webhooks);
    }
    const validating = get(objects, 'ValidatingWebhookConfiguration').webhooks[0];
    assert.deepEqual(validating.clientConfig.service, { namespace: NAMESPACE, name: FULLNAME, path: WEBHOOK_PATHS.requireOwner, port: 443 });
  });

  test('with cert-manager: a CA of its own, a Certificate for the Service, and the caBundle left to its cainjector', async () => {
    const objects = await render(['--values', `${CHART}/ci/cert-manager-values.yaml`]);
    assert.ok(!objects.some((object) => object.kind === 'Secret'), 'cert-manager writes the Secret');
    const certificate = get(objects, 'Certificate');
    assert.equal(certificate.spec.secretName, `${FULLNAME}-tls`);
    assert.ok(certificate.spec.dnsNames.includes(`${FULLNAME}.${NAMESPACE}.svc`));
    assert.deepEqual(certificate.spec.issuerRef, { name: `${FULLNAME}-ca`, kind: 'Issuer' });
    assert.equal(get(objects, 'Certificate', `${FULLNAME}-ca`).spec.isCA, true);
    assert.deepEqual(get(objects, 'Issuer', `${FULLNAME}-ca`).spec, { ca: { secretName: `${FULLNAME}-ca` } });
    for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
      const configuration = get(objects, kind);
      assert.equal(configuration.metadata.annotations['cert-manager.io/inject-ca-from'], `${NAMESPACE}/${FULLNAME}`);
      assert.equal(configuration.webhooks[0].clientConfig.caBundle, undefined);
    }
    const own = await render(['--values', `${CHART}/ci/cert-manager-values.yaml`, '--set', 'tls.certManager.issuerRef.name=corp-ca', '--set', 'tls.certManager.issuerRef.kind=ClusterIssuer']);
    assert.deepEqual(get(own, 'Certificate').spec.issuerRef, { name: 'corp-ca', kind: 'ClusterIssuer' });
    assert.ok(!own.some((object) => object.kind === 'Issuer'));
  });

  test('the configurations can be left out, for registering them in another API server', async () => {
    const objects = await render(['--values', `${CHART}/ci/single-replica-values.yaml`]);
    assert.ok(!objects.some((object) => object.kind.endsWith('WebhookConfiguration')));
    assert.ok(objects.some((object) => object.kind === 'Deployment'));
  });

  test('an upgrade keeps the CA, so the caBundle registered stays valid', async () => {
    // A copy of the chart whose `lookup` reads the Secret from a value, which only a cluster could show.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'owner-webhook-chart-'));
    try {
      fs.cpSync(path.join(REPO_ROOT, CHART), dir, { recursive: true });
      const helpers = path.join(dir, 'templates', '_helpers.tpl');
      const lookup = 'lookup "v1" "Secret" .Release.Namespace (include "owner-webhook.tlsSecretName" .)';
      const text = fs.readFileSync(helpers, 'utf8');
      assert.equal(text.split(lookup).length, 2, 'the Secret is looked up once, as this test expects');
      fs.writeFileSync(helpers, text.replace(lookup, '(.Values.testExistingSecret | default dict)'));
      fs.rmSync(path.join(dir, 'values.schema.json'));
      const first = await render([], dir);
      const existing = get(first, 'Secret', `${FULLNAME}-tls`);
      const values = path.join(dir, 'existing.json');
      fs.writeFileSync(values, JSON.stringify({ testExistingSecret: existing }));
      const upgraded = await render(['--values', values], dir);
      assert.deepEqual(get(upgraded, 'Secret', `${FULLNAME}-tls`).data, existing.data);
      // A change of the names the certificate must carry issues a new one from the same CA.
      const renamed = await render(['--values', values, '--set', 'clusterDomain=example.internal'], dir);
      const renamedData = secretData(get(renamed, 'Secret', `${FULLNAME}-tls`));
      assert.equal(renamedData['ca.crt'], secretData(existing)['ca.crt']);
      assert.notEqual(renamedData['tls.crt'], secretData(existing)['tls.crt']);
      assert.equal(new X509Certificate(renamedData['tls.crt']).checkHost(`${FULLNAME}.${NAMESPACE}.svc.example.internal`), `${FULLNAME}.${NAMESPACE}.svc.example.internal`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the helm test pod checks /readyz through the Service, verifying the CA', async () => {
    const pod = get(await render(), 'Pod', `${FULLNAME}-test-readyz`);
    const [curl] = pod.spec.containers;
    assert.ok(curl.command.includes('--cacert'));
    assert.equal(curl.command.at(-1), `https://${FULLNAME}.${NAMESPACE}.svc:443/readyz`);
  });

  test('the values schema refuses keys it does not know and values that cannot work', async () => {
    const failure = async (args: string[]) => {
      try {
        await render(args);
      } catch (error) {
        return String((error as { stderr?: string }).stderr);
      }
      assert.fail(`helm template ${args.join(' ')} succeeded`);
    };
    assert.match(await failure(['--set', 'ownerLable=x']), /additional properties 'ownerLable' not allowed/);
    assert.match(await failure(['--set', 'webhookConfigurations.requireOwner.failurePolicy=Sometimes']), /failurePolicy/);
    assert.match(await failure(['--set', 'webhookConfigurations.requireOwner.timeoutSeconds=31']), /timeoutSeconds/);
    assert.match(await failure(['--set', 'defaultRequests.cpu=lots']), /cpu/);
  });
});
