import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew, prepareChanged } from '../strategy.js';
import { renderFieldError, type KubeObject } from '@kapi/api-machinery';
import { checkCsrDer, certificateSigningRequestStrategy as strategy, csrRequestError } from './strategy.js';

// A real PKCS#10 request (EC P-256, CN=alice), as `openssl req -new` writes it.
const PEM = `-----BEGIN CERTIFICATE REQUEST-----
MIHaMIGAAgEAMB4xDjAMBgNVBAMMBWFsaWNlMQwwCgYDVQQKDANkZXYwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAAQxyOmjOma/uCcIOTJbQDaCjQyNtvIuHHNnI5OF
KnctTim6+NyPlNWh2qIIBAQo/m+gJzSWbfmVTRzc7/vdAYw3oAAwCgYIKoZIzj0E
AwIDSQAwRgIhAPGJC/NX2g6JOfmsL8xIGJQW+t6G4rbo3AN1oyNJX5jaAiEA0sV+
N2os8mFsec/c5yK/mTUhN1G4AnEGbAxXdKgQc1E=
-----END CERTIFICATE REQUEST-----
`;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const USER = { username: 'alice', uid: 'u-1', groups: ['dev', 'system:authenticated'], extra: { scopes: { values: ['a', 'b'] } } };

const csr = (spec: Record<string, unknown> = {}): KubeObject => ({
  metadata: { name: 'req' },
  spec: { request: b64(PEM), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], username: 'mallory', groups: ['system:masters'], ...spec },
  status: { conditions: [{ type: 'Approved', status: 'True' }] },
});
const created = (spec: Record<string, unknown> = {}) => {
  const obj = csr(spec);
  prepareNew(strategy, obj, USER);
  return obj;
};
const errors = (spec: Record<string, unknown> = {}) => strategy.validate(created(spec)).map(renderFieldError);
const cell = (obj: KubeObject, name: string) => strategy.tableColumns.find((c) => c.name === name)!.cell(obj, Date.now());

describe('certificateSigningRequestStrategy.info', () => {
  it('is cluster-scoped certificates.k8s.io/v1 with short name csr and subresources approval and status', () => {
    const info = strategy.info;
    assert.deepEqual([info.group, info.version, info.resource, info.namespaced, info.shortNames, info.subresources], ['certificates.k8s.io', 'v1', 'certificatesigningrequests', false, ['csr'], ['approval', 'status']]);
  });
});

describe('certificateSigningRequestStrategy field selectors', () => {
  it('selects by name and spec.signerName, as kube does', () => {
    assert.deepEqual(strategy.selectableFields(created()), { 'metadata.name': 'req', 'spec.signerName': 'kubernetes.io/kube-apiserver-client' });
  });
});

describe('certificateSigningRequestStrategy create', () => {
  it('records the requester whatever the client sent, and starts with an empty status', () => {
    const obj = created();
    const spec = obj.spec as Record<string, unknown>;
    assert.deepEqual([spec.username, spec.uid, spec.groups, spec.extra], ['alice', 'u-1', ['dev', 'system:authenticated'], { scopes: ['a', 'b'] }]);
    assert.deepEqual(obj.status, {});
    assert.deepEqual(strategy.validate(obj), []);
  });

  it('needs a PEM CERTIFICATE REQUEST whose DER is a CertificationRequest', () => {
    assert.match(errors({ request: b64('not pem') })[0], /^spec\.request: Invalid value: \[\]byte\{0x6e, 0x6f, .*\}: PEM block type must be CERTIFICATE REQUEST$/);
    assert.match(errors({ request: b64(PEM.replace(/CERTIFICATE REQUEST/g, 'CERTIFICATE')) })[0], /PEM block type must be CERTIFICATE REQUEST$/);
    assert.deepEqual(errors({ request: undefined }), ['spec.request: Invalid value: []byte(nil): PEM block type must be CERTIFICATE REQUEST']);
    const der = Buffer.from(PEM.split('\n').slice(1, -2).join(''), 'base64');
    assert.equal(checkCsrDer(der), undefined);
    assert.equal(checkCsrDer(der.subarray(0, der.length - 5)), 'asn1: syntax error: data truncated');
    assert.equal(checkCsrDer(Buffer.concat([der, Buffer.from([0])])), 'asn1: syntax error: trailing data');
    const truncated = `-----BEGIN CERTIFICATE REQUEST-----\n${der.subarray(0, 40).toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    assert.equal(csrRequestError(b64(truncated)), 'asn1: syntax error: data truncated');
  });

  it('requires a signerName of the form domain/path and a duration of at least ten minutes', () => {
    assert.deepEqual(errors({ signerName: '' }), ['spec.signerName: Required value']);
    assert.deepEqual(errors({ signerName: 'example' }), ["spec.signerName: Invalid value: \"example\": must be a fully qualified domain and path of the form 'example.com/signer-name'"]);
    assert.deepEqual(errors({ expirationSeconds: 60 }), ['spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 600 seconds (10 minutes)']);
    assert.deepEqual(errors({ usages: ['flying'] }).map((e) => e.split(': supported')[0]), ['spec.usages[0]: Unsupported value: "flying"']);
  });
});

describe('certificateSigningRequestStrategy approval and status', () => {
  it('approval writes only the conditions, with timestamps and status True by default', () => {
    const old: KubeObject = { ...created(), status: { certificate: 'Y2VydA==' } };
    const sent = { ...old, spec: { ...(old.spec as object), signerName: 'x/y' }, status: { conditions: [{ type: 'Approved', reason: 'KubectlApprove', message: 'ok' }] } };
    const next = strategy.subresourceUpdates!.approval.prepareForUpdate(sent, old);
    assert.deepEqual(next.spec, old.spec);
    const [c] = (next.status as { conditions: Record<string, string>[] }).conditions;
    assert.equal((next.status as { certificate: string }).certificate, 'Y2VydA==');
    assert.deepEqual([c.type, c.status, c.reason], ['Approved', 'True', 'KubectlApprove']);
    assert.ok(c.lastUpdateTime && c.lastTransitionTime);
    assert.equal(cell(next, 'Condition'), 'Approved,Issued');
  });

  it('status writes the certificate and other conditions but keeps the approval decision', () => {
    const old: KubeObject = { ...created(), status: { conditions: [{ type: 'Approved', status: 'True', reason: 'KubectlApprove' }] } };
    const sent = { ...old, status: { certificate: 'Y2VydA==', conditions: [{ type: 'Denied', status: 'True' }, { type: 'Failed', status: 'True', reason: 'SignerError' }] } };
    const next = strategy.subresourceUpdates!.status.prepareForUpdate(sent, old);
    const s = next.status as { certificate: string; conditions: Record<string, string>[] };
    assert.equal(s.certificate, 'Y2VydA==');
    assert.deepEqual(s.conditions.map((c) => c.type), ['Failed', 'Approved']);
    assert.deepEqual(next.spec, old.spec);
  });

  it('refuses Approved with Denied, and removing a decision', () => {
    const both = { ...created(), status: { conditions: [{ type: 'Approved', status: 'True' }, { type: 'Denied', status: 'True' }] } };
    assert.match(strategy.validate(both).map(renderFieldError)[0], /^status\.conditions: Invalid value: .*: Approved and Denied conditions are mutually exclusive$/);
    const approved = { ...created(), status: { conditions: [{ type: 'Approved', status: 'True' }] } };
    assert.deepEqual(strategy.validateUpdate(created(), approved).map(renderFieldError), ['status.conditions: Forbidden: updates may not remove a condition of type "Approved"']);
  });

  it('keeps the spec on a main update', () => {
    const old = created();
    const next = csr({ signerName: 'example.com/other' });
    prepareChanged(strategy, next, old);
    assert.deepEqual(next.spec, old.spec);
  });
});

describe('certificateSigningRequestStrategy table', () => {
  it('prints NAME AGE SIGNERNAME REQUESTOR REQUESTEDDURATION CONDITION', () => {
    assert.deepEqual(strategy.tableColumns.map((c) => c.name), ['Name', 'Age', 'SignerName', 'Requestor', 'RequestedDuration', 'Condition']);
    const obj = created({ expirationSeconds: 3600 });
    assert.deepEqual(['SignerName', 'Requestor', 'RequestedDuration', 'Condition'].map((n) => cell(obj, n)), ['kubernetes.io/kube-apiserver-client', 'alice', '60m', 'Pending']);
    assert.equal(cell(created(), 'RequestedDuration'), '<none>');
    assert.equal(cell({ ...obj, status: { conditions: [{ type: 'Denied' }, { type: 'Failed' }] } }, 'Condition'), 'Denied,Failed');
  });
});
