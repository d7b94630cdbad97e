import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseTooLargeError, transportErrorText } from './https-post.js';

const nodeError = (code: string, message = code, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { code, ...extra });

describe('transportErrorText', () => {
  it("words Node's failures as Go's net/http and crypto/tls do", () => {
    assert.equal(transportErrorText(nodeError('ECONNREFUSED'), '127.0.0.1:18444'), 'dial tcp 127.0.0.1:18444: connect: connection refused');
    assert.equal(transportErrorText(Object.assign(new Error('timeout'), { name: 'TimeoutError' }), 'h:443'), 'context deadline exceeded');
    assert.equal(transportErrorText(nodeError('DEPTH_ZERO_SELF_SIGNED_CERT'), 'h:443'), 'tls: failed to verify certificate: x509: certificate signed by unknown authority');
    assert.equal(transportErrorText(nodeError('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'h:443'), 'tls: failed to verify certificate: x509: certificate signed by unknown authority');
    assert.equal(transportErrorText(nodeError('ENOTFOUND'), 'nowhere.example:443'), 'dial tcp: lookup nowhere.example: no such host');
    assert.equal(transportErrorText(nodeError('ECONNRESET', 'socket hang up'), 'h:443'), 'EOF');
    assert.equal(transportErrorText(new ResponseTooLargeError(10), 'h:443'), 'the response body is larger than 10 bytes');
  });

  it("names the certificate's names when it is for another host, as Go's HostnameError", () => {
    const cert = { subject: { CN: 'localhost' }, subjectaltname: 'DNS:localhost, DNS:hooks.example.com, IP Address:127.0.0.1' };
    assert.equal(
      transportErrorText(nodeError('ERR_TLS_CERT_ALTNAME_INVALID', 'x', { host: 'svc.ns.svc', cert }), '127.0.0.1:9443'),
      'tls: failed to verify certificate: x509: certificate is valid for localhost, hooks.example.com, not svc.ns.svc',
    );
    assert.equal(
      transportErrorText(nodeError('ERR_TLS_CERT_ALTNAME_INVALID', 'x', { host: '10.0.0.1', cert }), '10.0.0.1:443'),
      'tls: failed to verify certificate: x509: certificate is valid for 127.0.0.1, not 10.0.0.1',
    );
  });
});
