import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kapi/api-machinery';
import { certificateApproval } from './certificate-approval.js';
import { certificateSigning } from './certificate-signing.js';
import { certificateSubjectRestriction, csrOrganizations } from './certificate-subject-restriction.js';
import { clusterTrustBundleAttest } from './cluster-trust-bundle-attest.js';
import { attributes, fakeContext, refusal } from './testing.fixture.js';

// openssl req -subj "/O=system:masters/O=dev/CN=alice" and -subj "/O=dev/CN=bob", base64 as JSON carries []byte.
const MASTERS_CSR =
  'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlIeE1JR1pBZ0VBTURjeEZ6QVZCZ05WQkFvTURuTjVjM1JsYlRwdFlYTjBaWEp6TVF3d0NnWURWUVFLREFOawpaWFl4RGpBTUJnTlZCQU1NQldGc2FXTmxNRmt3RXdZSEtvWkl6ajBDQVFZSUtvWkl6ajBEQVFjRFFnQUV1TnNMClVaSlRoL0NpVkVvbGx6QnJkaDE5NCtraWNjRTg4WE5aZ3NiSHkwYUxnUkF6NXJjejhqdSt5TmI3S3lCcjRja3gKK3ZCNzlSMlo3UFhRdU5OZm5hQUFNQW9HQ0NxR1NNNDlCQU1DQTBjQU1FUUNJR1BGajZVdUhYQnVxZ0lSU2lBYwpyQW1rWDA1ejl5TzFGeDZjN1BZaTVEZkJBaUFJTFN3VzB2Yjk0UjZPYmpmaG5vSzlQcEUwd2N3TzhWbDJFR2N4ClVtR3Nwdz09Ci0tLS0tRU5EIENFUlRJRklDQVRFIFJFUVVFU1QtLS0tLQo=';
const DEV_CSR =
  'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlIV01INENBUUF3SERFTU1Bb0dBMVVFQ2d3RFpHVjJNUXd3Q2dZRFZRUUREQU5pYjJJd1dUQVRCZ2NxaGtqTwpQUUlCQmdncWhrak9QUU1CQndOQ0FBUkF0eVRhOU9XOUtGVVFaaDVES3FxVTRrNDREdmEySE5vVmxmeFFPMjRUCklybkJ2eFg0R2p1aWxnS29DVUpBdGQyTUROZHB0dzVnRGIrc0x1MTRFYzErb0FBd0NnWUlLb1pJemowRUF3SUQKU0FBd1JRSWhBTk9XK21aNEdOUzZIaHNoTkFEZzdOYWFQbENQRmx0WTA5TnVTcVRENXNkTkFpQnd0eVhvZVJsMgplbS8vVmhUdlpQODZ1VWJLc1FtMXVSeXFrOFV6NDc2SWd3PT0KLS0tLS1FTkQgQ0VSVElGSUNBVEUgUkVRVUVTVC0tLS0tCg==';

const csr = (signerName: string, request = DEV_CSR, status: Record<string, unknown> = {}): KubeObject => ({ metadata: { name: 'req' }, spec: { signerName, request }, status });
const user = { username: 'approver', groups: ['system:authenticated'] };

describe('CertificateApproval', () => {
  it('asks for `approve` on the signer, then on its domain\'s wildcard', async () => {
    const context = fakeContext({ allowed: (_u, q) => q.name === 'example.com/*' });
    const plugin = certificateApproval(context);
    const approve = (signer: string) => plugin.validate!({ ...attributes('UPDATE', 'certificatesigningrequests', { object: csr(signer), oldObject: csr(signer), user }), subresource: 'approval' });
    await approve('example.com/my-signer');
    assert.deepEqual(context.questions, [
      { verb: 'approve', group: 'certificates.k8s.io', resource: 'signers', name: 'example.com/my-signer' },
      { verb: 'approve', group: 'certificates.k8s.io', resource: 'signers', name: 'example.com/*' },
    ]);
    assert.deepEqual(await refusal(approve('kubernetes.io/kube-apiserver-client')), [
      403,
      'Forbidden',
      'certificatesigningrequests.certificates.k8s.io "req" is forbidden: user not permitted to approve requests with signerName "kubernetes.io/kube-apiserver-client"',
    ]);
    // Writes to the CSR itself are not approvals.
    await plugin.validate!(attributes('UPDATE', 'certificatesigningrequests', { object: csr('x/y'), oldObject: csr('x/y'), user }));
  });
});

describe('CertificateSigning', () => {
  it('asks for `sign` on the stored signer when the certificate or the conditions change', async () => {
    const context = fakeContext({ allowed: (_u, q) => q.name === 'example.com/signer' });
    const plugin = certificateSigning(context);
    const sign = (signer: string, status: Record<string, unknown>) =>
      plugin.validate!({ ...attributes('UPDATE', 'certificatesigningrequests', { object: csr(signer, DEV_CSR, status), oldObject: csr(signer), user }), subresource: 'status' });
    await sign('example.com/signer', { certificate: 'Y2VydA==' });
    assert.deepEqual((await refusal(sign('other.io/signer', { certificate: 'Y2VydA==' })))[2], 'certificatesigningrequests.certificates.k8s.io "req" is forbidden: user not permitted to sign requests with signerName "other.io/signer"');
    // A status write that changes neither is nobody's signature.
    await sign('other.io/signer', {});
  });
});

describe('CertificateSubjectRestriction', () => {
  it('reads the Organizations of a request\'s subject', () => {
    assert.deepEqual(csrOrganizations(MASTERS_CSR), ['system:masters', 'dev']);
    assert.deepEqual(csrOrganizations(DEV_CSR), ['dev']);
  });

  it('refuses a kube-apiserver-client request for system:masters, and nothing else', async () => {
    const plugin = certificateSubjectRestriction();
    const create = (signer: string, request: string) => plugin.validate!(attributes('CREATE', 'certificatesigningrequests', { object: csr(signer, request) }));
    assert.deepEqual(await refusal(create('kubernetes.io/kube-apiserver-client', MASTERS_CSR)), [
      403,
      'Forbidden',
      'certificatesigningrequests.certificates.k8s.io "req" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed',
    ]);
    await create('kubernetes.io/kube-apiserver-client', DEV_CSR);
    await create('example.com/signer', MASTERS_CSR);
  });
});

describe('ClusterTrustBundleAttest', () => {
  it('asks for `attest` on the bundle\'s signer, except for bundles without one and unchanged updates', async () => {
    const context = fakeContext();
    const plugin = clusterTrustBundleAttest(context);
    const bundle = (signerName?: string): KubeObject => ({ metadata: { name: 'example.com:signer:a' }, spec: { signerName, trustBundle: 'pem' } });
    assert.deepEqual((await refusal(plugin.validate!(attributes('CREATE', 'clustertrustbundles', { object: bundle('example.com/signer'), user }))))[2], 'clustertrustbundles.certificates.k8s.io "example.com:signer:a" is forbidden: user not permitted to attest for signerName "example.com/signer"');
    await plugin.validate!(attributes('CREATE', 'clustertrustbundles', { object: bundle(), user }));
    await plugin.validate!(attributes('UPDATE', 'clustertrustbundles', { object: bundle('example.com/signer'), oldObject: bundle('example.com/signer'), user }));
  });
});
