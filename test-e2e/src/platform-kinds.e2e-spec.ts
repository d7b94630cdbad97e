// The platform API groups through the real kubectl: admission webhook configurations with kube's
// defaults, CustomResourceDefinitions and kube's naming rule, the local APIServices and APF's
// bootstrap configuration the registry keeps, a CertificateSigningRequest approved with
// `kubectl certificate approve`, and networking's Ingress and NetworkPolicy.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiRequest, apiResourceLine, eventually, startTestStack, type TestStack } from './harness.js';

// A real PKCS#10 request (EC P-256, CN=alice), as `openssl req -new` writes it.
const CSR_PEM = `-----BEGIN CERTIFICATE REQUEST-----
MIHaMIGAAgEAMB4xDjAMBgNVBAMMBWFsaWNlMQwwCgYDVQQKDANkZXYwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAAQxyOmjOma/uCcIOTJbQDaCjQyNtvIuHHNnI5OF
KnctTim6+NyPlNWh2qIIBAQo/m+gJzSWbfmVTRzc7/vdAYw3oAAwCgYIKoZIzj0E
AwIDSQAwRgIhAPGJC/NX2g6JOfmsL8xIGJQW+t6G4rbo3AN1oyNJX5jaAiEA0sV+
N2os8mFsec/c5yK/mTUhN1G4AnEGbAxXdKgQc1E=
-----END CERTIFICATE REQUEST-----
`;

const webhookConfiguration = (name: string, hook: Record<string, unknown> = {}) => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'MutatingWebhookConfiguration',
  metadata: { name },
  webhooks: [
    {
      name: 'pods.hooks.example.com',
      clientConfig: { url: 'https://hooks.example.com/mutate' },
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
      sideEffects: 'None',
      admissionReviewVersions: ['v1'],
      ...hook,
    },
  ],
});

const crd = (name: string) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'widgets', kind: 'Widget' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }],
  },
});

describe('platform kinds', () => {
  let stack: TestStack;
  const create = (obj: unknown) => stack.kubectl(['create', '-f', '-'], { input: JSON.stringify(obj) });

  before(async () => {
    stack = await startTestStack({ aggregatorReplicas: 1 });
  });

  after(async () => {
    await stack?.stop();
  });

  it('lists the platform kinds in kubectl api-resources with their short names and scope', async () => {
    const res = await stack.kubectl(['api-resources']);
    assert.equal(res.code, 0, res.stderr);
    const expected: [string, string, string, string, string][] = [
      ['mutatingwebhookconfigurations', '', 'admissionregistration.k8s.io/v1', 'false', 'MutatingWebhookConfiguration'],
      ['validatingadmissionpolicies', '', 'admissionregistration.k8s.io/v1', 'false', 'ValidatingAdmissionPolicy'],
      ['customresourcedefinitions', 'crd,crds', 'apiextensions.k8s.io/v1', 'false', 'CustomResourceDefinition'],
      ['apiservices', '', 'apiregistration.k8s.io/v1', 'false', 'APIService'],
      ['certificatesigningrequests', 'csr', 'certificates.k8s.io/v1', 'false', 'CertificateSigningRequest'],
      ['events', 'ev', 'events.k8s.io/v1', 'true', 'Event'],
      ['flowschemas', '', 'flowcontrol.apiserver.k8s.io/v1', 'false', 'FlowSchema'],
      ['ingresses', 'ing', 'networking.k8s.io/v1', 'true', 'Ingress'],
      ['networkpolicies', 'netpol', 'networking.k8s.io/v1', 'true', 'NetworkPolicy'],
      ['volumeattachments', '', 'storage.k8s.io/v1', 'false', 'VolumeAttachment'],
    ];
    for (const resource of expected) assert.match(res.stdout, apiResourceLine(resource), `${resource[0]} in\n${res.stdout}`);
  });

  it('stores a mutating webhook configuration with kube\'s defaults and prints NAME WEBHOOKS AGE', async () => {
    const created = await create(webhookConfiguration('pod-hooks'));
    assert.equal(created.stdout, 'mutatingwebhookconfiguration.admissionregistration.k8s.io/pod-hooks created\n', created.stderr);

    const table = await stack.kubectl(['get', 'mutatingwebhookconfigurations']);
    assert.match(table.stdout, /^NAME\s+WEBHOOKS\s+AGE\npod-hooks\s+1\s+\d+s\n$/, table.stderr);

    const yaml = (await stack.kubectl(['get', 'mutatingwebhookconfiguration', 'pod-hooks', '-o', 'yaml'])).stdout;
    for (const line of ['failurePolicy: Fail', 'matchPolicy: Equivalent', 'namespaceSelector: {}', 'objectSelector: {}', 'reinvocationPolicy: Never', 'timeoutSeconds: 10', "scope: '*'", 'sideEffects: None']) {
      assert.ok(yaml.includes(`    ${line}\n`) || yaml.includes(`  ${line}\n`), `${line} in\n${yaml}`);
    }

    const bad = await create(webhookConfiguration('bad-hooks', { name: 'short', sideEffects: undefined }));
    assert.equal(
      bad.stderr,
      'The MutatingWebhookConfiguration "bad-hooks" is invalid: \n* webhooks[0].name: Invalid value: "short": should be a domain with at least three segments separated by dots\n* webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun\n',
    );
  });

  it('refuses a CRD whose name is not <plural>.<group>, in kube\'s words, and lists a good one with its creation time', async () => {
    const wrong = await create(crd('widget.example.com'));
    assert.equal(wrong.stderr, 'The CustomResourceDefinition "widget.example.com" is invalid: metadata.name: Invalid value: "widget.example.com": must be spec.names.plural+"."+spec.group\n');

    const good = await create(crd('widgets.example.com'));
    assert.equal(good.stdout, 'customresourcedefinition.apiextensions.k8s.io/widgets.example.com created\n', good.stderr);
    const table = await stack.kubectl(['get', 'crds']);
    assert.match(table.stdout, /^NAME\s+CREATED AT\nwidgets\.example\.com\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/, table.stderr);
    const names = JSON.parse((await stack.kubectl(['get', 'crd', 'widgets.example.com', '-o', 'jsonpath={.spec.names}'])).stdout);
    assert.deepEqual(names, { kind: 'Widget', listKind: 'WidgetList', plural: 'widgets', singular: 'widget' });
  });

  it('lists a Local, available APIService per built-in group/version, as kube-apiserver does', async () => {
    await eventually(async () => {
      const table = await stack.kubectl(['get', 'apiservices']);
      assert.match(table.stdout, /^NAME\s+SERVICE\s+AVAILABLE\s+AGE\n/, table.stderr);
      for (const name of ['v1.', 'v1.apiregistration.k8s.io', 'v1.certificates.k8s.io', 'v1.flowcontrol.apiserver.k8s.io', 'v1.rbac.authorization.k8s.io']) {
        assert.match(table.stdout, new RegExp(`\\n${name.replace(/\./g, '\\.')}\\s+Local\\s+True\\s+\\d+s\\n`), `${name} in\n${table.stdout}`);
      }
    });
  });

  it('records the requester of a CSR and approves it with kubectl certificate approve', async () => {
    const created = await create({
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { name: 'alice' },
      spec: { request: Buffer.from(CSR_PEM).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], username: 'someone-else' },
    });
    assert.equal(created.stdout, 'certificatesigningrequest.certificates.k8s.io/alice created\n', created.stderr);
    const me = JSON.parse((await stack.kubectl(['auth', 'whoami', '-o', 'json'])).stdout).status.userInfo;
    const spec = JSON.parse((await stack.kubectl(['get', 'csr', 'alice', '-o', 'json'])).stdout).spec;
    assert.equal(spec.username, me.username);
    assert.deepEqual(spec.groups, me.groups);

    const pending = await stack.kubectl(['get', 'csr']);
    assert.match(pending.stdout, new RegExp(`^NAME\\s+AGE\\s+SIGNERNAME\\s+REQUESTOR\\s+REQUESTEDDURATION\\s+CONDITION\\nalice\\s+\\d+s\\s+kubernetes\\.io/kube-apiserver-client\\s+${me.username}\\s+<none>\\s+Pending\\n$`), pending.stderr);

    const approved = await stack.kubectl(['certificate', 'approve', 'alice']);
    assert.equal(approved.stdout, 'certificatesigningrequest.certificates.k8s.io/alice approved\n', approved.stderr);
    const after = await stack.kubectl(['get', 'csr', 'alice']);
    assert.match(after.stdout, /\nalice\s+\d+s\s+kubernetes\.io\/kube-apiserver-client\s+\S+\s+<none>\s+Approved\n$/, after.stderr);
    const [condition] = JSON.parse((await stack.kubectl(['get', 'csr', 'alice', '-o', 'json'])).stdout).status.conditions;
    assert.equal(condition.type, 'Approved');
    assert.equal(condition.status, 'True');
    assert.equal(condition.reason, 'KubectlApprove');
    assert.ok(condition.lastTransitionTime && condition.lastUpdateTime);

    // kubectl itself refuses to deny what is approved; the server refuses both decisions at once.
    const deny = await stack.kubectl(['certificate', 'deny', 'alice']);
    assert.equal(deny.stderr, 'error: certificate signing request "alice" is already Approved\n');
    const csr = JSON.parse((await stack.kubectl(['get', 'csr', 'alice', '-o', 'json'])).stdout);
    csr.status.conditions.push({ type: 'Denied', status: 'True', reason: 'Test' });
    const both = await apiRequest(stack, 'PUT', '/apis/certificates.k8s.io/v1/certificatesigningrequests/alice/approval', csr);
    assert.equal(both.code, 422, both.body);
    assert.match(JSON.parse(both.body).message, /^CertificateSigningRequest\.certificates\.k8s\.io "alice" is invalid: status\.conditions: Invalid value: .*: Approved and Denied conditions are mutually exclusive$/);
  });

  it("shows kube's bootstrap flow schemas and priority levels", async () => {
    await eventually(async () => {
      const res = await stack.kubectl(['get', 'flowschemas,prioritylevelconfigurations']);
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /^NAME\s+PRIORITYLEVEL\s+MATCHINGPRECEDENCE\s+DISTINGUISHERMETHOD\s+AGE\s+MISSINGPL\n/);
      assert.match(res.stdout, /\nflowschema\.flowcontrol\.apiserver\.k8s\.io\/exempt\s+exempt\s+1\s+<none>\s+\d+s\s+False\n/);
      assert.match(res.stdout, /\nflowschema\.flowcontrol\.apiserver\.k8s\.io\/catch-all\s+catch-all\s+10000\s+ByUser\s+\d+s\s+False\n/);
      assert.match(res.stdout, /\nflowschema\.flowcontrol\.apiserver\.k8s\.io\/system-leader-election\s+leader-election\s+100\s+ByUser\s+/);
      assert.match(res.stdout, /\nNAME\s+TYPE\s+NOMINALCONCURRENCYSHARES\s+QUEUES\s+HANDSIZE\s+QUEUELENGTHLIMIT\s+AGE\n/);
      assert.match(res.stdout, /\nprioritylevelconfiguration\.flowcontrol\.apiserver\.k8s\.io\/exempt\s+Exempt\s+<none>\s+<none>\s+<none>\s+<none>\s+\d+s\n/);
      assert.match(res.stdout, /\nprioritylevelconfiguration\.flowcontrol\.apiserver\.k8s\.io\/global-default\s+Limited\s+20\s+128\s+6\s+50\s+\d+s\n/);
    });
  });

  it('serves ingresses and network policies with their tables and defaults', async () => {
    const ingress = await stack.kubectl(['create', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'web', namespace: 'default' },
        spec: { ingressClassName: 'nginx', rules: [{ host: 'web.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
      }),
    });
    assert.equal(ingress.stdout, 'ingress.networking.k8s.io/web created\n', ingress.stderr);
    const ing = await stack.kubectl(['get', 'ing']);
    assert.match(ing.stdout, /^NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE\nweb\s+nginx\s+web\.example\.com\s+80\s+\d+s\n$/, ing.stderr);

    // kubectl's generator sends the Ingress as protobuf.
    const generated = await stack.kubectl(['create', 'ingress', 'api', '--class=nginx', '--rule=api.example.com/v1*=api:8080,tls=api-tls']);
    assert.equal(generated.stdout, 'ingress.networking.k8s.io/api created\n', generated.stderr);
    const apiSpec = JSON.parse((await stack.kubectl(['get', 'ingress', 'api', '-o', 'json'])).stdout).spec;
    assert.deepEqual(apiSpec, {
      ingressClassName: 'nginx',
      rules: [{ host: 'api.example.com', http: { paths: [{ path: '/v1', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 8080 } } } }] } }],
      tls: [{ hosts: ['api.example.com'], secretName: 'api-tls' }],
    });
    assert.match((await stack.kubectl(['get', 'ingress', 'api'])).stdout, /\napi\s+nginx\s+api\.example\.com\s+80, 443\s+\d+s\n$/);

    const badIngress = await create({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'empty', namespace: 'default' }, spec: {} });
    assert.equal(badIngress.stderr, 'The Ingress "empty" is invalid: spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified\n');

    const policy = await create({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny', namespace: 'default' }, spec: { podSelector: { matchLabels: { app: 'web' } } } });
    assert.equal(policy.stdout, 'networkpolicy.networking.k8s.io/deny created\n', policy.stderr);
    const netpol = await stack.kubectl(['get', 'netpol']);
    assert.match(netpol.stdout, /^NAME\s+POD-SELECTOR\s+AGE\ndeny\s+app=web\s+\d+s\n$/, netpol.stderr);
    assert.equal((await stack.kubectl(['get', 'netpol', 'deny', '-o', 'jsonpath={.spec.policyTypes}'])).stdout, '["Ingress"]');
  });

  it('prints ingress classes, volume attachments and admission policies as kube does', async () => {
    const cls = await create({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'lb' } } });
    assert.equal(cls.code, 0, cls.stderr);
    assert.match((await stack.kubectl(['get', 'ingressclasses'])).stdout, /^NAME\s+CONTROLLER\s+PARAMETERS\s+AGE\nnginx\s+k8s\.io\/ingress-nginx\s+IngressParameters\.k8s\.example\.com\/lb\s+\d+s\n$/);

    const va = await create({ apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', metadata: { name: 'va-1' }, spec: { attacher: 'csi.example.com', nodeName: 'node-1', source: { persistentVolumeName: 'pv-1' } } });
    assert.equal(va.code, 0, va.stderr);
    assert.match((await stack.kubectl(['get', 'volumeattachments'])).stdout, /^NAME\s+ATTACHER\s+PV\s+NODE\s+ATTACHED\s+AGE\nva-1\s+csi\.example\.com\s+pv-1\s+node-1\s+false\s+\d+s\n$/);

    const policy = await create({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: 'replicas' },
      spec: { matchConstraints: { resourceRules: [{ operations: ['CREATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'] }] }, validations: [{ expression: 'object.spec.replicas <= 5' }] },
    });
    assert.equal(policy.code, 0, policy.stderr);
    assert.match((await stack.kubectl(['get', 'validatingadmissionpolicies'])).stdout, /^NAME\s+VALIDATIONS\s+PARAMKIND\s+AGE\nreplicas\s+1\s+<unset>\s+\d+s\n$/);
    const binding = await create({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'replicas' }, spec: { policyName: 'replicas', validationActions: ['Deny'] } });
    assert.equal(binding.code, 0, binding.stderr);
    assert.match((await stack.kubectl(['get', 'validatingadmissionpolicybindings'])).stdout, /^NAME\s+POLICYNAME\s+PARAMREF\s+AGE\nreplicas\s+replicas\s+<unset>\s+\d+s\n$/);
  });

  it('serves the same events through events.k8s.io/v1 and core/v1, converted', async () => {
    const created = await create({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'web.started', namespace: 'default' },
      eventTime: '2026-01-01T00:00:00.000000Z',
      reportingController: 'example.com/controller',
      reportingInstance: 'controller-0',
      action: 'Start',
      reason: 'Started',
      regarding: { kind: 'Pod', namespace: 'default', name: 'web' },
      note: 'started the pod',
      type: 'Normal',
    });
    assert.equal(created.stdout, 'event.events.k8s.io/web.started created\n', created.stderr);

    const core = JSON.parse((await stack.kubectl(['get', 'events.v1.', 'web.started', '-o', 'json'])).stdout);
    assert.equal(core.apiVersion, 'v1');
    assert.equal(core.message, 'started the pod');
    assert.deepEqual(core.involvedObject, { kind: 'Pod', namespace: 'default', name: 'web' });
    assert.equal(core.reportingComponent, 'example.com/controller');
    const table = await stack.kubectl(['get', 'events.events.k8s.io']);
    assert.match(table.stdout, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE\n\S+\s+Normal\s+Started\s+pod\/web\s+started the pod\n$/, table.stderr);

    // A legacy event written through core/v1 reads back through events.k8s.io/v1 with its deprecated fields.
    const legacy = await create({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'node.ready', namespace: 'default' },
      involvedObject: { kind: 'Node', name: 'n1' },
      reason: 'NodeReady',
      message: 'node is ready',
      source: { component: 'kubelet', host: 'n1' },
      firstTimestamp: '2026-01-01T00:00:00Z',
      lastTimestamp: '2026-01-01T00:01:00Z',
      count: 3,
      type: 'Normal',
    });
    assert.equal(legacy.code, 0, legacy.stderr);
    const v1 = JSON.parse((await stack.kubectl(['get', 'events.v1.events.k8s.io', 'node.ready', '-o', 'json'])).stdout);
    assert.equal(v1.apiVersion, 'events.k8s.io/v1');
    assert.deepEqual([v1.note, v1.regarding, v1.deprecatedSource, v1.deprecatedCount], ['node is ready', { kind: 'Node', name: 'n1' }, { component: 'kubelet', host: 'n1' }, 3]);
    // The watch cache serves the same conversion to watchers.
    const watch = stack.kubectlStream(['get', 'events.v1.events.k8s.io', '--watch-only', '-o', 'json']);
    try {
      await new Promise((r) => setTimeout(r, 1000));
      const later = await create({ apiVersion: 'v1', kind: 'Event', metadata: { name: 'node.gone', namespace: 'default' }, involvedObject: { kind: 'Node', name: 'n2' }, reason: 'Gone', message: 'node went away', type: 'Warning' });
      assert.equal(later.code, 0, later.stderr);
      await watch.waitFor(/"note": "node went away"/);
      assert.match(watch.output(), /"apiVersion": "events\.k8s\.io\/v1"/);
      assert.doesNotMatch(watch.output(), /"message": "node went away"/);
    } finally {
      watch.child.kill();
    }

    const strict = await create({ apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'bad', namespace: 'default' }, type: 'Normal', deprecatedCount: 2 });
    assert.match(strict.stderr, /^The Event "bad" is invalid: \n.*\* eventTime: Required value\n/s);
  });
});
