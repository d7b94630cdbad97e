import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderHaproxyConfig } from './haproxy';

describe('renderHaproxyConfig', () => {
  const config = renderHaproxyConfig({
    bind: { host: '127.0.0.1', port: 6443 },
    backends: [
      { name: 'aggregator-0', host: '127.0.0.2', port: 6443 },
      { name: 'aggregator-1', host: '127.0.0.3', port: 6443 },
    ],
  });
  const lines = config.split('\n').map((line) => line.trim());

  test('passes TLS through in TCP mode so client certificates reach the front doors', () => {
    assert.ok(lines.includes('mode tcp'));
    assert.ok(!config.includes('mode http'));
    assert.ok(!/\bssl crt\b/.test(config), 'the load balancer must not terminate TLS');
  });

  test('binds the load balancer address', () => {
    assert.ok(lines.includes('bind 127.0.0.1:6443'));
  });

  test('balances round robin with TLS /readyz health checks across every front door', () => {
    assert.ok(lines.includes('balance roundrobin'));
    assert.ok(lines.includes('option httpchk GET /readyz'));
    // Ready, or shedding load past its in-flight limit; anything else takes it out.
    assert.ok(lines.includes('http-check expect status 200'));
    const servers = lines.filter((line) => line.startsWith('server ') && !line.includes(' backup'));
    assert.equal(servers.length, 2);
    assert.match(servers[0], /^server aggregator-0 127\.0\.0\.2:6443 check check-ssl verify none inter 1000ms fall 2 rise 1\b/);
    assert.match(servers[1], /^server aggregator-1 127\.0\.0\.3:6443 check check-ssl verify none inter 1000ms fall 2 rise 1\b/);
  });

  test('presents its own client certificate on health checks when given one', () => {
    const withCert = renderHaproxyConfig({ bind: { host: '127.0.0.1', port: 6443 }, backends: [{ name: 'aggregator-0', host: '127.0.0.2', port: 6443 }], checkCertificate: '/pki/load-balancer.pem' });
    const server = withCert.split('\n').map((line) => line.trim()).find((line) => line.startsWith('server aggregator-0 '));
    assert.equal(server, 'server aggregator-0 127.0.0.2:6443 check check-ssl verify none crt /pki/load-balancer.pem inter 1000ms fall 2 rise 1');
    // Client connections are still passed through: no ssl on the server line.
    assert.ok(!/\sssl\s/.test(` ${server} `));
  });

  test('keeps every front door as an unchecked backup, so clients get a Status when none is ready', () => {
    const backups = lines.filter((line) => line.startsWith('server ') && line.endsWith(' backup'));
    assert.deepEqual(backups, ['server aggregator-0-standby 127.0.0.2:6443 backup', 'server aggregator-1-standby 127.0.0.3:6443 backup']);
  });

  test('does not daemonize, so the process can be tracked by pid', () => {
    assert.ok(!lines.includes('daemon'));
  });

  test('refuses an empty backend', () => {
    assert.throws(() => renderHaproxyConfig({ bind: { host: '127.0.0.1', port: 1 }, backends: [] }), /at least one front door/);
  });
});
