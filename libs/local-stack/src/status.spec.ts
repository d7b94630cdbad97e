import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StatusRow, expectedProcesses, formatStatusTable, isStackHealthy } from './status';
import { resolveTopology } from './topology';

describe('status', () => {
  test('expects etcd, nats, every service replica and haproxy, probing front doors over https', () => {
    const expected = expectedProcesses(resolveTopology());
    assert.deepEqual(
      expected.map((p) => `${p.instance} ${p.kind} ${p.address}`),
      [
        'etcd etcd http://127.0.0.1:2379',
        'nats nats http://127.0.0.1:8222',
        'registry-0 service 127.0.0.1:50054',
        'watch-cache-0 service 127.0.0.1:50055',
        'authn-0 service 127.0.0.1:50051',
        'authz-0 service 127.0.0.1:50052',
        'admission-0 service 127.0.0.1:50053',
        'aggregator-0 front-door https://127.0.0.2:6443',
        'aggregator-1 front-door https://127.0.0.3:6443',
        'haproxy load-balancer https://127.0.0.1:6443',
      ],
    );
    assert.deepEqual(expectedProcesses(resolveTopology({ exampleWebhook: true })).at(-1), {
      instance: 'example-webhook',
      kind: 'webhook',
      address: 'https://127.0.0.1:8443',
    });
  });

  const now = Date.parse('2026-01-01T12:00:00Z');
  const rows: StatusRow[] = [
    { instance: 'supervisor', kind: 'supervisor', address: '-', pid: 99, state: 'running', health: { healthy: true, detail: 'restarts what exits' } },
    { instance: 'etcd', kind: 'etcd', address: 'http://127.0.0.1:2379', pid: 4242, state: 'running', health: { healthy: true, detail: 'healthy' } },
    { instance: 'watch-cache-0', kind: 'service', address: '127.0.0.1:50055', pid: 17, state: 'gone', health: undefined },
    {
      instance: 'registry-0',
      kind: 'service',
      address: '127.0.0.1:50054',
      pid: 18,
      state: 'running',
      health: { healthy: true, detail: 'accepting connections' },
      restarts: 3,
      lastExit: { code: null, signal: 'SIGKILL', at: '2026-01-01T11:59:25Z' },
    },
    { instance: 'authn-0', kind: 'service', address: '127.0.0.1:50051', pid: 19, state: 'running', health: { healthy: true, detail: 'accepting connections' }, restarts: 1, lastExit: { code: 1, signal: null, at: '2026-01-01T09:00:00Z' } },
    { instance: 'haproxy', kind: 'load-balancer', address: 'https://127.0.0.1:6443', state: 'no-pid-file', health: undefined },
  ];

  test('formats an aligned table with a header: restarts and the last exit as kubectl shows them', () => {
    const lines = formatStatusTable(rows, now).split('\n');
    assert.equal(lines.length, 7);
    assert.match(lines[0], /^INSTANCE\s+PID\s+ALIVE\s+HEALTH\s+RESTARTS\s+LAST EXIT\s+ADDRESS\s+DETAIL$/);
    const pidColumn = lines[0].indexOf('PID');
    for (const line of lines.slice(1)) assert.notEqual(line[pidColumn], ' ', line);
    assert.match(lines[1], /^supervisor\s+99\s+yes\s+healthy\s+-\s+-\s+-\s+restarts what exits$/);
    assert.match(lines[2], /^etcd\s+4242\s+yes\s+healthy\s+0\s+-\s+http:\/\/127\.0\.0\.1:2379\s+healthy$/);
    assert.match(lines[3], /^watch-cache-0\s+17\s+no\s+-\s+0\s+-\s+127\.0\.0\.1:50055\s+not running$/);
    assert.match(lines[4], /^registry-0\s+18\s+yes\s+healthy\s+3\s+SIGKILL, 35s ago\s+127\.0\.0\.1:50054\s+accepting connections$/);
    assert.match(lines[5], /^authn-0\s+19\s+yes\s+healthy\s+1\s+exit code 1, 3h ago\s+/);
    assert.match(lines[6], /^haproxy\s+-\s+-\s+-\s+0\s+-\s+https:\/\/127\.0\.0\.1:6443\s+not started$/);
  });

  test('a stack is healthy only when every process runs and answers its probe', () => {
    assert.equal(isStackHealthy(rows), false);
    assert.equal(isStackHealthy(rows.slice(0, 2)), true);
  });
});
