import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { imageTag } from './pod-spec.js';
import { formatLabels, podTemplateStrategy } from './strategy.js';

const pt = (template: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'web', namespace: 'ns' }, template });
const prepared = (template: Record<string, unknown>) => {
  const obj = pt(template);
  prepareNew(podTemplateStrategy, obj);
  return obj;
};
const errors = (template: Record<string, unknown>) => podTemplateStrategy.validate(prepared(template)).map(renderFieldError);
const nginx = { name: 'nginx', image: 'nginx:1.27' };

describe('podTemplateStrategy.info', () => {
  it('describes core v1 podtemplates and counts template changes in generation', () => {
    const info = podTemplateStrategy.info;
    assert.deepEqual([info.group, info.version, info.resource, info.kind, info.namespaced, info.tracksGeneration], ['', 'v1', 'podtemplates', 'PodTemplate', true, true]);
  });
});

describe('podTemplateStrategy defaults', () => {
  it('applies the pod spec and container defaults', () => {
    const obj = prepared({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ ...nginx, ports: [{ containerPort: 80 }], resources: { limits: { cpu: '0.5' } } }, { name: 'tail', image: 'busybox' }] } });
    assert.deepEqual(obj.template, {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          {
            name: 'nginx',
            image: 'nginx:1.27',
            ports: [{ containerPort: 80, protocol: 'TCP' }],
            resources: { limits: { cpu: '500m' } },
            imagePullPolicy: 'IfNotPresent',
            terminationMessagePath: '/dev/termination-log',
            terminationMessagePolicy: 'File',
          },
          { name: 'tail', image: 'busybox', imagePullPolicy: 'Always', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', resources: {} },
        ],
        dnsPolicy: 'ClusterFirst',
        restartPolicy: 'Always',
        securityContext: {},
        terminationGracePeriodSeconds: 30,
        schedulerName: 'default-scheduler',
      },
    });
  });

  it('pulls :latest and untagged images always, pinned ones if not present', () => {
    assert.deepEqual(['nginx', 'nginx:latest', 'nginx:1.27', 'registry:5000/app', 'registry:5000/app:v1', 'app@sha256:abc'].map(imageTag), ['latest', 'latest', '1.27', 'latest', 'v1', '']);
  });
});

describe('podTemplateStrategy.validate', () => {
  it('accepts a minimal template', () => {
    assert.deepEqual(errors({ spec: { containers: [nginx] } }), []);
  });

  it('reports what kube reports for the common mistakes', () => {
    const table: [Record<string, unknown>, string[]][] = [
      [{}, ['template.spec.containers: Required value']],
      [{ spec: { containers: [{ name: 'a' }] } }, ['template.spec.containers[0].image: Required value']],
      [{ spec: { containers: [{ image: 'x' }] } }, ['template.spec.containers[0].name: Required value']],
      [{ spec: { containers: [nginx, nginx] } }, ['template.spec.containers[1].name: Duplicate value: "nginx"']],
      [{ spec: { containers: [nginx], ephemeralContainers: [{ name: 'debug', image: 'busybox' }] } }, ['template.spec.ephemeralContainers: Forbidden: ephemeral containers not allowed in pod template']],
      [{ spec: { containers: [nginx], restartPolicy: 'Sometimes' } }, ['template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"']],
      [{ spec: { containers: [{ ...nginx, imagePullPolicy: 'Maybe' }] } }, ['template.spec.containers[0].imagePullPolicy: Unsupported value: "Maybe": supported values: "Always", "IfNotPresent", "Never"']],
      [{ spec: { containers: [{ ...nginx, ports: [{ containerPort: 70000 }] }] } }, ['template.spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive']],
      [
        { spec: { containers: [{ ...nginx, resources: { limits: { cpu: '1' }, requests: { cpu: '2' } } }] } },
        ['template.spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit'],
      ],
      [{ metadata: { labels: { 'bad key!': 'x' } }, spec: { containers: [nginx] } }, [
        `template.labels: Invalid value: "bad key!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      ]],
    ];
    for (const [template, expected] of table) assert.deepEqual(errors(template), expected, JSON.stringify(template));
  });
});

describe('podTemplateStrategy columns', () => {
  it('prints NAME CONTAINERS IMAGES POD LABELS', () => {
    assert.deepEqual(podTemplateStrategy.tableColumns.map((c) => c.name), ['Name', 'Containers', 'Images', 'Pod Labels']);
    const obj = prepared({ metadata: { labels: { tier: 'web', app: 'shop' } }, spec: { containers: [nginx, { name: 'tail', image: 'busybox' }] } });
    assert.deepEqual(podTemplateStrategy.tableColumns.map((c) => c.cell(obj, 0)), ['web', 'nginx,tail', 'nginx:1.27,busybox', 'app=shop,tier=web']);
    assert.equal(formatLabels(undefined), '<none>');
  });
});
