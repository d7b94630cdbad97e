import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { healthV1 } from '@kapi/proto';
import { Backends, type Dependency } from './backends.js';
import { HealthEndpoints } from './health.js';

const NEIGHBOURS = ['authn', 'authz', 'admission', 'registry', 'watch-cache'];

/**
 * The front door's neighbours, each answering Health with the checks the test gives it (all passing
 * by default); a list of answers stands for replicas asked in turn, as round-robin asks them.
 */
function neighbours(checks: Record<string, healthV1.Check[] | { replicas: healthV1.Check[][] }> = {}): Backends {
  const dependencies: Dependency[] = NEIGHBOURS.map((name) => {
    let asked = 0;
    const reply = (): healthV1.CheckReply => {
      const given = checks[name] ?? [{ name: 'ok', ok: true, message: 'ok' }];
      const own = Array.isArray(given) ? given : given.replicas[asked++ % given.replicas.length];
      return { ready: own.every((c) => c.ok), service: name, checks: own };
    };
    const health = { check: (_req: unknown, _md: unknown, _opts: unknown, cb: (err: null, res: healthV1.CheckReply) => void) => cb(null, reply()) };
    return { name, health: health as unknown as healthV1.HealthClient, readyWhenAnswering: name === 'watch-cache' };
  });
  // The real Backends' lookups and judgement, over fake channels.
  return Object.assign(Object.create(Backends.prototype) as Backends, { dependencies });
}

const authzChecks = (bootstrapRoles: string | true): healthV1.Check[] => [
  { name: 'informer-sync', ok: true, message: 'ok' },
  bootstrapRoles === true ? { name: 'poststarthook/rbac/bootstrap-roles', ok: true, message: 'ok' } : { name: 'poststarthook/rbac/bootstrap-roles', ok: false, message: bootstrapRoles },
];

describe('HealthEndpoints', () => {
  it('lists kube\'s informer-sync and poststarthook/rbac/bootstrap-roles among the neighbours in /readyz?verbose', async () => {
    const health = new HealthEndpoints(neighbours({ authz: authzChecks(true) }));
    const answer = await health.answer('readyz', undefined, new URLSearchParams('verbose'));
    assert.deepEqual(answer, {
      code: 200,
      body: [
        '[+]ping ok',
        '[+]etcd ok',
        '[+]informer-sync ok',
        '[+]authn ok',
        '[+]authz ok',
        '[+]admission ok',
        '[+]registry ok',
        '[+]watch-cache ok',
        '[+]poststarthook/rbac/bootstrap-roles ok',
        '[+]shutdown ok',
        'readyz check passed',
        '',
      ].join('\n'),
    });
  });

  it('lists the front door\'s own post-start hooks after the neighbours\' and fails /readyz and /healthz until they finish', async () => {
    const health = new HealthEndpoints(neighbours({ authz: authzChecks(true) }));
    let listed = false;
    health.addCheck('poststarthook/start-kube-aggregator-informers', () => true);
    health.addCheck('poststarthook/apiservice-registration-controller', () => listed);
    const answer = await health.answer('readyz', undefined, new URLSearchParams('verbose'));
    assert.equal(answer?.code, 500);
    assert.deepEqual(answer!.body.split('\n').slice(-6), [
      '[+]poststarthook/rbac/bootstrap-roles ok',
      '[+]poststarthook/start-kube-aggregator-informers ok',
      '[-]poststarthook/apiservice-registration-controller failed: reason withheld',
      '[+]shutdown ok',
      'readyz check failed',
      '',
    ]);
    assert.equal((await health.answer('healthz', undefined, new URLSearchParams()))?.code, 500);
    assert.equal((await health.answer('livez', undefined, new URLSearchParams()))?.code, 200);
    assert.deepEqual(await health.answer('readyz', 'poststarthook/apiservice-registration-controller', new URLSearchParams()), { code: 500, body: 'internal server error: not finished\n' });
    listed = true;
    const fresh = new HealthEndpoints(neighbours({ authz: authzChecks(true) }));
    fresh.addCheck('poststarthook/apiservice-registration-controller', () => listed);
    assert.deepEqual(await fresh.answer('readyz', 'poststarthook/apiservice-registration-controller', new URLSearchParams()), { code: 200, body: 'ok' });
  });

  it('stays ready while the watch cache answers but has not synchronised', async () => {
    const health = new HealthEndpoints(
      neighbours({ authz: authzChecks(true), 'watch-cache': [{ name: 'synchronised', ok: false, message: 'cannot follow the event stream: the connection to NATS was lost' }] }),
    );
    const answer = await health.answer('readyz', undefined, new URLSearchParams('verbose'));
    assert.equal(answer?.code, 200, answer?.body);
    assert.ok(answer!.body.split('\n').includes('[+]watch-cache ok'));
  });

  it('fails /readyz while authz has not read the bootstrap policy, and names why at the check\'s own path', async () => {
    const health = new HealthEndpoints(neighbours({ authz: authzChecks('the RBAC cache has not read the bootstrap policy yet: clusterrolebindings at 30 of 45') }));
    const answer = await health.answer('readyz', undefined, new URLSearchParams('verbose'));
    assert.equal(answer?.code, 500);
    const lines = answer!.body.split('\n');
    assert.ok(lines.includes('[+]informer-sync ok'));
    assert.ok(lines.includes('[-]authz failed: reason withheld'));
    assert.ok(lines.includes('[-]poststarthook/rbac/bootstrap-roles failed: reason withheld'));
    assert.equal(lines.at(-2), 'readyz check failed');
    assert.deepEqual(await health.answer('readyz', 'poststarthook/rbac/bootstrap-roles', new URLSearchParams()), {
      code: 500,
      body: 'internal server error: poststarthook/rbac/bootstrap-roles: the RBAC cache has not read the bootstrap policy yet: clusterrolebindings at 30 of 45\n',
    });
    assert.deepEqual(await health.answer('readyz', 'informer-sync', new URLSearchParams()), { code: 200, body: 'ok' });
  });

  it('is ready when one replica of a neighbour is, asking the next after one that is not', async () => {
    const restarted = [{ name: 'informer-sync', ok: false, message: 'the RBAC cache has not listed clusterroles yet' }];
    const synced = authzChecks(true);
    const health = new HealthEndpoints(neighbours({ authz: { replicas: [restarted, synced] } }));
    assert.equal((await health.answer('readyz', undefined, new URLSearchParams()))?.code, 200);
    assert.deepEqual(await health.answer('readyz', 'informer-sync', new URLSearchParams()), { code: 200, body: 'ok' });

    const none = new HealthEndpoints(neighbours({ authz: { replicas: [restarted] } }));
    assert.deepEqual(await none.answer('readyz', 'informer-sync', new URLSearchParams()), {
      code: 500,
      body: 'internal server error: informer-sync: the RBAC cache has not listed clusterroles yet\n',
    });
  });

  it('fails a kube-named check when the neighbour does not have it', async () => {
    const health = new HealthEndpoints(neighbours());
    assert.deepEqual(await health.answer('readyz', 'informer-sync', new URLSearchParams()), { code: 500, body: 'internal server error: authz has no check named informer-sync\n' });
  });

  it('keeps informer-sync and shutdown to /readyz and /livez to ping', async () => {
    const health = new HealthEndpoints(neighbours({ authz: authzChecks(true) }));
    const healthz = await health.answer('healthz', undefined, new URLSearchParams('verbose'));
    assert.equal(healthz?.code, 200);
    assert.ok(healthz!.body.includes('[+]poststarthook/rbac/bootstrap-roles ok'));
    assert.ok(!healthz!.body.includes('informer-sync'));
    assert.ok(!healthz!.body.includes('shutdown'));
    assert.deepEqual(await health.answer('livez', undefined, new URLSearchParams('verbose')), { code: 200, body: '[+]ping ok\nlivez check passed\n' });
  });
});
