import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clientKey, WebhookCallFailure, WebhookClients } from './webhook-clients.js';

describe('WebhookClients.requestUrl', () => {
  const clients = new WebhookClients();
  it('names a Service webhook by its Service DNS name and port, 443 by default, as kube-apiserver does', () => {
    assert.equal(clients.requestUrl({ service: { name: 'nosuch', namespace: 'awref' } }, 10_000).text, 'https://nosuch.awref.svc:443/?timeout=10s');
    assert.equal(clients.requestUrl({ service: { name: 'nosuch', namespace: 'awref', path: '/p/q', port: 8443 } }, 30_000).text, 'https://nosuch.awref.svc:8443/p/q?timeout=30s');
  });

  it('keeps a URL as written, its path cleaned as Go joins it', () => {
    assert.equal(clients.requestUrl({ url: 'https://127.0.0.1:18444' }, 10_000).text, 'https://127.0.0.1:18444/?timeout=10s');
    assert.equal(clients.requestUrl({ url: 'https://hooks.example.com/a//b/../c/' }, 2000).text, 'https://hooks.example.com/a/c?timeout=2s');
  });

  it('rounds the timeout up to whole seconds and leaves it out when none is left', () => {
    assert.equal(clients.requestUrl({ url: 'https://h/x' }, 5300).url.search, '?timeout=6s');
    assert.equal(clients.requestUrl({ url: 'https://h/x' }, 0).url.search, '');
  });
  clients.close();
});

describe('WebhookClients.post', () => {
  it('fails at once, as past its deadline, when the request has no time left', async () => {
    const clients = new WebhookClients();
    await assert.rejects(clients.post({ url: 'https://127.0.0.1:1/x' }, {}, 0), (err: unknown) => err instanceof WebhookCallFailure && err.message === 'Post "https://127.0.0.1:1/x": context deadline exceeded' && err.statusCode === 503);
    clients.close();
  });

  it('fails a Service webhook when no resolver is configured', async () => {
    const clients = new WebhookClients();
    await assert.rejects(clients.post({ service: { name: 's', namespace: 'n' } }, {}, 1000), { message: 'Post "https://s.n.svc:443/?timeout=1s": no resolver is configured for service "s"' });
    clients.close();
  });
});

describe('clientKey', () => {
  it('tells configurations apart by URL, Service and caBundle', () => {
    assert.equal(clientKey({ url: 'https://a' }), clientKey({ url: 'https://a' }));
    assert.notEqual(clientKey({ url: 'https://a', caBundle: 'x' }), clientKey({ url: 'https://a', caBundle: 'y' }));
    assert.equal(clientKey({ service: { name: 's', namespace: 'n' } }), clientKey({ service: { name: 's', namespace: 'n', port: 443 } }));
  });
});
