import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { etcdArguments, etcdEnvironment } from './etcd';
import { NATS_USERS, renderNatsConfig } from './nats';

describe('etcd command line', () => {
  const args = etcdArguments({ dataDir: '/state/etcd', clientPort: 2379, peerPort: 2380, host: '127.0.0.1', name: 'default' });
  const flag = (name: string) => args[args.indexOf(name) + 1];

  test('listens and advertises on the given client and peer ports', () => {
    assert.equal(flag('--data-dir'), '/state/etcd');
    assert.equal(flag('--listen-client-urls'), 'http://127.0.0.1:2379');
    assert.equal(flag('--advertise-client-urls'), 'http://127.0.0.1:2379');
    assert.equal(flag('--listen-peer-urls'), 'http://127.0.0.1:2380');
    assert.equal(flag('--initial-advertise-peer-urls'), 'http://127.0.0.1:2380');
    assert.equal(flag('--initial-cluster'), 'default=http://127.0.0.1:2380');
    assert.equal(flag('--name'), 'default');
  });

  test('sets ETCD_UNSUPPORTED_ARCH only off amd64', () => {
    assert.equal(etcdEnvironment({}, 'x64').ETCD_UNSUPPORTED_ARCH, undefined);
    assert.equal(etcdEnvironment({}, 'arm64').ETCD_UNSUPPORTED_ARCH, 'arm64');
  });
});

describe('renderNatsConfig', () => {
  test('enables JetStream with fsync on every write and the monitoring port', () => {
    const config = renderNatsConfig({ host: '127.0.0.1', port: 4222, monitorPort: 8222, storeDir: '/state/nats', serverName: 'nats' });
    assert.match(config, /^listen: "127\.0\.0\.1:4222"$/m);
    assert.match(config, /^http: "127\.0\.0\.1:8222"$/m);
    assert.match(config, /jetstream \{\n {2}store_dir: "\/state\/nats"\n {2}sync_interval: always\n\}/);
  });

  test('takes messages of up to 4 MiB, so the largest object kube accepts fits one', () => {
    const config = renderNatsConfig({ host: '127.0.0.1', port: 4222, monitorPort: 8222, storeDir: '/state/nats', serverName: 'nats' });
    assert.match(config, /^max_payload: 4194304$/m);
  });

  test('with TLS: clients verified against the services CA and mapped by certificate to kapi\'s users', () => {
    const config = renderNatsConfig({
      host: '127.0.0.1',
      port: 4222,
      monitorPort: 8222,
      storeDir: '/state/nats',
      serverName: 'nats',
      tls: { certFile: '/pki/services/nats.crt', keyFile: '/pki/services/nats.key', caFile: '/pki/services/ca.crt' },
    });
    assert.match(config, /tls \{\n {2}cert_file: "\/pki\/services\/nats\.crt"\n {2}key_file: "\/pki\/services\/nats\.key"\n {2}ca_file: "\/pki\/services\/ca\.crt"\n {2}verify_and_map: true\n\}/);
    assert.deepEqual(
      [...config.matchAll(/\{ user: "([^"]+)"/g)].map((m) => m[1]),
      ['CN=registry', 'CN=watch-cache'],
    );
    assert.doesNotMatch(config, /no_auth_user/);
  });

  test('only the registry may publish the event subject or manage the stream', () => {
    const [registry, watchCache] = NATS_USERS;
    assert.equal(registry.identity, 'registry');
    assert.ok(registry.publish.includes('kapi.events'));
    assert.ok(!watchCache.publish.some((subject) => subject === 'kapi.events' || subject.startsWith('$JS.API.STREAM.') && !subject.startsWith('$JS.API.STREAM.INFO.')));
    for (const user of NATS_USERS) {
      assert.ok(!user.publish.some((subject) => /PURGE|DELETE|>$/.test(subject) && !subject.startsWith('$JS.API.CONSUMER.') && !subject.startsWith('$JS.ACK.')), user.identity);
      assert.deepEqual(user.subscribe, [`_INBOX.${user.identity}.>`]);
    }
  });
});
