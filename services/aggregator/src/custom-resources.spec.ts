import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseRequestInfo } from '@kapi/apiserver';
import { CustomResourceKinds, type CustomResourceDefinition, type KindStrategy } from '@kapi/kinds';
import { isStatusError } from '@kapi/api-machinery';
import { CustomResourcesHandler, type DefinitionsSync } from './custom-resources.js';
import type { FrontDoorRequest } from './front-door-chain.js';

const CRD: CustomResourceDefinition = {
  metadata: { name: 'widgets.demo.kapi.io', resourceVersion: '7' },
  spec: {
    group: 'demo.kapi.io',
    scope: 'Namespaced',
    names: { plural: 'widgets', kind: 'Widget' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }],
  },
  status: { acceptedNames: { plural: 'widgets', kind: 'Widget' }, conditions: [{ type: 'Established', status: 'True' }] },
};

function request(method: string, path: string): FrontDoorRequest {
  const url = new URL(path, 'https://kapi.invalid');
  return {
    req: { method, url: path, headers: {} } as IncomingMessage,
    res: {} as ServerResponse,
    url,
    info: parseRequestInfo(method, url.pathname, url.searchParams),
    user: { username: 'admin', uid: '', groups: ['system:masters'], extra: {} },
  };
}

function handler(stored: CustomResourceDefinition | undefined, kinds = new CustomResourceKinds(), definitions?: DefinitionsSync) {
  const served: string[] = [];
  const reads: string[] = [];
  const h = new CustomResourcesHandler({
    kinds,
    readDefinition: async (name) => {
      reads.push(name);
      return stored;
    },
    serveKind: async (_request, strategy: KindStrategy) => void served.push(strategy.info.kind),
    definitions,
  });
  return { h, served, reads, kinds };
}

describe('CustomResourcesHandler', () => {
  it('serves the resources of a CRD the catalogue holds, without reading it again', async () => {
    const kinds = new CustomResourceKinds();
    kinds.update(CRD);
    const { h, served, reads } = handler(undefined, kinds);
    let delegated = false;
    await h.handle(request('GET', '/apis/demo.kapi.io/v1/namespaces/default/widgets'), async () => void (delegated = true));
    assert.deepEqual([served, reads, delegated], [['Widget'], [], false]);
  });

  it('reads a CRD the informer has not brought yet from the registry', async () => {
    const { h, served, reads, kinds } = handler(CRD);
    await h.handle(request('GET', '/apis/demo.kapi.io/v1/widgets'), async () => assert.fail('delegated'));
    assert.deepEqual([served, reads], [['Widget'], ['widgets.demo.kapi.io']]);
    assert.ok(kinds.lookup('demo.kapi.io', 'widgets'));
  });

  it('delegates what it does not serve: no CRD, another version, core paths, non-resource paths', async () => {
    const { h, served } = handler(CRD);
    for (const path of ['/apis/demo.kapi.io/v2/widgets', '/apis/other.kapi.io/v1/things', '/api/v1/pods', '/apis/demo.kapi.io/v1']) {
      let delegated = false;
      await h.handle(request('GET', path), async () => void (delegated = true));
      assert.equal(delegated, true, path);
    }
    assert.deepEqual(served, []);
  });

  it('answers 404 for a subresource the version does not have', async () => {
    const { h } = handler(CRD);
    await assert.rejects(h.handle(request('GET', '/apis/demo.kapi.io/v1/namespaces/default/widgets/w/scale'), async () => {}), { message: 'the server could not find the requested resource' });
  });

  describe('before the CRD informer has listed', () => {
    /** An informer not listed yet: `list` lists (bringing `crds` into the kinds), `fail` ends the wait unlisted. */
    function unlisted(kinds: CustomResourceKinds, crds: CustomResourceDefinition[]) {
      let synced = false;
      let waits = 0;
      let end: (listed: boolean) => void = () => {};
      const definitions: DefinitionsSync = {
        synced: () => synced,
        waitUntilSynced: (timeoutMs) => {
          waits++;
          assert.equal(timeoutMs, 10_000);
          return new Promise((resolve) => (end = resolve));
        },
      };
      return {
        definitions,
        waits: () => waits,
        list: () => {
          for (const crd of crds) kinds.update(crd);
          synced = true;
          end(true);
        },
        fail: () => end(false),
      };
    }

    it('waits for the first list and serves what it brings, where it would have answered 404', async () => {
      const kinds = new CustomResourceKinds();
      const informer = unlisted(kinds, [CRD]);
      const { h, served } = handler(undefined, kinds, informer.definitions);
      let delegated = false;
      const handled = h.handle(request('GET', '/apis/demo.kapi.io/v1/namespaces/default/widgets'), async () => void (delegated = true));
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual([served, informer.waits()], [[], 1]);
      informer.list();
      await handled;
      assert.deepEqual([served, delegated], [['Widget'], false]);
    });

    it('answers 503 with Retry-After, never 404, when the list does not come in time', async () => {
      const informer = unlisted(new CustomResourceKinds(), []);
      const { h } = handler(undefined, undefined, informer.definitions);
      const handled = h.handle(request('GET', '/apis/demo.kapi.io/v1/widgets'), async () => assert.fail('delegated'));
      await new Promise((resolve) => setImmediate(resolve));
      informer.fail();
      await assert.rejects(
        handled,
        (err: unknown) =>
          isStatusError(err) && err.httpCode === 503 && err.details?.retryAfterSeconds === 1 && err.message === 'not yet ready to handle request: the CustomResourceDefinitions are not listed yet',
      );
    });

    it('does not wait for what it serves already, nor once listed', async () => {
      const kinds = new CustomResourceKinds();
      kinds.update(CRD);
      const informer = unlisted(kinds, []);
      const { h, served } = handler(undefined, kinds, informer.definitions);
      await h.handle(request('GET', '/apis/demo.kapi.io/v1/widgets'), async () => assert.fail('delegated'));
      assert.deepEqual([served, informer.waits()], [['Widget'], 0]);
      informer.list();
      let delegated = false;
      await h.handle(request('GET', '/apis/other.kapi.io/v1/things'), async () => void (delegated = true));
      assert.deepEqual([delegated, informer.waits()], [true, 0]);
    });
  });
});
