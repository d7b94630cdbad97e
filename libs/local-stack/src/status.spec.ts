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
  });

  const rows: StatusRow[] = [
    { instance: 'etcd', kind: 'etcd', address: 'http://127.0.0.1:2379', pid: 4242, state: 'running', health: { healthy: true, detail: 'healthy' } },
    { instance: 'watch-cache-0', kind: 'service', address: '127.0.0.1:50055', pid: 17, state: 'gone', health: undefined },
    { instance: 'haproxy', kind: 'load-balancer', address: 'https://127.0.0.1:6443', state: 'no-pid-file', health: undefined },
  ];

  test('formats an aligned table with a header', () => {
    const lines = formatStatusTable(rows).split('\n');
    assert.equal(lines.length, 4);
    assert.match(lines[0], /^INSTANCE\s+PID\s+ALIVE\s+HEALTH\s+ADDRESS\s+DETAIL$/);
    const pidColumn = lines[0].indexOf('PID');
    for (const line of lines.slice(1)) assert.notEqual(line[pidColumn], ' ', line);
    assert.match(lines[1], /^etcd\s+4242\s+yes\s+healthy\s+http:\/\/127\.0\.0\.1:2379\s+healthy$/);
    assert.match(lines[2], /^watch-cache-0\s+17\s+no\s+-\s+127\.0\.0\.1:50055\s+not running$/);
    assert.match(lines[3], /^haproxy\s+-\s+-\s+-\s+https:\/\/127\.0\.0\.1:6443\s+not started$/);
  });

  test('a stack is healthy only when every process runs and answers its probe', () => {
    assert.equal(isStackHealthy(rows), false);
    assert.equal(isStackHealthy(rows.slice(0, 1)), true);
  });
});
