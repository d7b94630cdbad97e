import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kapi/api-machinery';
import { serviceAccount, tokenVolume, TOKEN_MOUNT_PATH } from './service-account.js';
import { attributes, fakeContext, refusal } from './testing.fixture.js';

const account = (name: string, { metadata, ...extra }: Record<string, unknown> = {}): KubeObject => ({ metadata: { name, namespace: 'ns', ...(metadata as object) }, ...extra });
const pod = (spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): KubeObject => ({
  metadata: { name: 'web', namespace: 'ns', ...metadata },
  spec: { containers: [{ name: 'app', image: 'nginx' }], initContainers: [{ name: 'init', image: 'busybox' }], ...spec },
});
const create = (p: KubeObject) => attributes('CREATE', 'pods', { namespace: 'ns', object: p });

describe('ServiceAccount', () => {
  it('gives a pod the default account, its pull secrets and a projected token mounted in every container', async () => {
    const plugin = serviceAccount(fakeContext({ cached: { serviceaccounts: [account('default', { imagePullSecrets: [{ name: 'regcred' }] })] } }), { generateSuffix: () => 'x7k2p' });
    const admitted = (await plugin.admit!(create(pod())))!;
    const spec = admitted.spec as Record<string, any>;
    assert.equal(spec.serviceAccountName, 'default');
    assert.deepEqual(spec.imagePullSecrets, [{ name: 'regcred' }]);
    assert.deepEqual(spec.volumes, [tokenVolume('kube-api-access-x7k2p')]);
    for (const c of [...spec.containers, ...spec.initContainers]) assert.deepEqual(c.volumeMounts, [{ name: 'kube-api-access-x7k2p', readOnly: true, mountPath: TOKEN_MOUNT_PATH }]);
    await plugin.validate!(create(admitted));
  });

  it('leaves the token out when the pod or its account opt out, and a container that mounts the path alone', async () => {
    const context = fakeContext({ cached: { serviceaccounts: [account('default'), account('quiet', { automountServiceAccountToken: false })] } });
    const plugin = serviceAccount(context, { generateSuffix: () => 'abcde' });
    const optedOut = (await plugin.admit!(create(pod({ automountServiceAccountToken: false }))))!;
    assert.equal((optedOut.spec as { volumes?: unknown }).volumes, undefined);
    const quiet = (await plugin.admit!(create(pod({ serviceAccountName: 'quiet' }))))!;
    assert.equal((quiet.spec as { volumes?: unknown }).volumes, undefined);
    const own = pod({ containers: [{ name: 'app', volumeMounts: [{ name: 'mine', mountPath: TOKEN_MOUNT_PATH }] }], initContainers: [] });
    const kept = (await plugin.admit!(create(own)))!;
    assert.deepEqual((kept.spec as any).containers[0].volumeMounts, [{ name: 'mine', mountPath: TOKEN_MOUNT_PATH }]);
    assert.equal((kept.spec as any).volumes, undefined);
  });

  it('refuses a pod whose account does not exist, in kube\'s words, after looking it up live', async () => {
    const context = fakeContext();
    const plugin = serviceAccount(context);
    assert.deepEqual(await refusal(plugin.admit!(create(pod({ serviceAccountName: 'ghost' })))), [
      403,
      'Forbidden',
      'pods "web" is forbidden: error looking up service account ns/ghost: serviceaccount "ghost" not found',
    ]);
    assert.deepEqual(context.liveReads, ['get serviceaccounts ns/ghost']);
  });

  it('waits for the default account, which its controller creates just after the namespace', async () => {
    const context = fakeContext();
    const plugin = serviceAccount(context, { retryPauseMs: 1 });
    await refusal(plugin.admit!(create(pod())));
    assert.equal(context.liveReads.length, 10);
    const live = fakeContext({ live: { serviceaccounts: [account('default')] } });
    assert.equal(((await serviceAccount(live).admit!(create(pod())))!.spec as any).serviceAccountName, 'default');
  });

  it('holds mirror pods to no account, Secret or token, and leaves them as they are', async () => {
    const plugin = serviceAccount(fakeContext());
    const mirror = (spec: Record<string, unknown>) => pod(spec, { annotations: { 'kubernetes.io/config.mirror': 'x' } });
    assert.equal(((await plugin.admit!(create(mirror({}))))!.spec as any).serviceAccountName, undefined);
    assert.deepEqual((await refusal(plugin.admit!(create(mirror({ serviceAccountName: 'a' })))))[2], 'pods "web" is forbidden: a mirror pod may not reference service accounts');
    assert.deepEqual((await refusal(plugin.admit!(create(mirror({ volumes: [{ name: 's', secret: { secretName: 'x' } }] })))))[2], 'pods "web" is forbidden: a mirror pod may not reference secrets');
    assert.deepEqual(
      (await refusal(plugin.admit!(create(mirror({ volumes: [{ name: 't', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } }] })))))[2],
      'pods "web" is forbidden: a mirror pod may not use ServiceAccountToken volume projections',
    );
  });

  it('limits a pod to the Secrets an account with enforce-mountable-secrets lists', async () => {
    const strict = account('strict', { metadata: { annotations: { 'kubernetes.io/enforce-mountable-secrets': 'true' } }, secrets: [{ name: 'ok' }] });
    const plugin = serviceAccount(fakeContext({ cached: { serviceaccounts: [strict] } }));
    const withSecret = (name: string) => pod({ serviceAccountName: 'strict', volumes: [{ name: 'v', secret: { secretName: name } }] });
    await plugin.validate!(create(withSecret('ok')));
    assert.deepEqual((await refusal(plugin.validate!(create(withSecret('other')))))[2], 'pods "web" is forbidden: volume with secret.secretName="other" is not allowed because service account strict does not reference that secret');
    const env = pod({ serviceAccountName: 'strict', containers: [{ name: 'app', env: [{ name: 'PASS', valueFrom: { secretKeyRef: { name: 'db', key: 'p' } } }] }] });
    assert.deepEqual((await refusal(plugin.validate!(create(env))))[2], 'pods "web" is forbidden: container app with envVar PASS referencing secret.secretName="db" is not allowed because service account strict does not reference that secret');
  });

  it('ignores everything but pods themselves', async () => {
    const plugin = serviceAccount(fakeContext());
    assert.equal(await plugin.admit!(attributes('CREATE', 'configmaps', { namespace: 'ns', object: { metadata: { name: 'c' } } })), undefined);
    assert.equal(await plugin.admit!({ ...create(pod()), subresource: 'binding' }), undefined);
    assert.equal(plugin.handles('UPDATE'), false);
  });
});
