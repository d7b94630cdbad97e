import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serviceServerName, ServiceAgents } from './service-agent.js';

describe('ServiceAgents', () => {
  it('keeps one agent per TLS setting, verifying unless told not to, and closes those no longer used', () => {
    const agents = new ServiceAgents({ cert: Buffer.from('cert'), key: Buffer.from('key') });
    const bundle = Buffer.from('-----BEGIN CERTIFICATE-----').toString('base64');
    const verified = agents.agentFor({ caBundle: bundle });
    assert.equal(agents.agentFor({ caBundle: bundle }), verified);
    const insecure = agents.agentFor({ insecureSkipTLSVerify: true });
    assert.notEqual(insecure, verified);
    assert.equal(verified.options.rejectUnauthorized, true);
    assert.equal(insecure.options.rejectUnauthorized, false);
    assert.deepEqual(verified.options.cert, Buffer.from('cert'));
    agents.retain([{ caBundle: bundle }]);
    assert.equal(agents.agentFor({ caBundle: bundle }), verified, 'kept');
    assert.notEqual(agents.agentFor({ insecureSkipTLSVerify: true }), insecure, 'the other was closed and is made anew');
    agents.close();
  });

  it('names a Service\'s server as its certificate must', () => {
    assert.equal(serviceServerName('wardle', 'api'), 'api.wardle.svc');
  });
});
