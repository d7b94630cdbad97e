import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PatchType, StatusError } from '@kapi/api-machinery';
import { parsePatchOptions } from './patch-options.js';

const refusal = (type: string, query: string): StatusError => {
  try {
    parsePatchOptions(type, new URLSearchParams(query));
  } catch (err) {
    assert.ok(err instanceof StatusError);
    return err;
  }
  assert.fail('expected a refusal');
};

describe('parsePatchOptions', () => {
  it('reads the field manager and force of an apply', () => {
    assert.deepEqual(parsePatchOptions(PatchType.apply, new URLSearchParams('fieldManager=kubectl&force=true')), { fieldManager: 'kubectl', force: true });
    assert.deepEqual(parsePatchOptions(PatchType.apply, new URLSearchParams('fieldManager=kubectl')), { fieldManager: 'kubectl', force: false });
    assert.deepEqual(parsePatchOptions(PatchType.merge, new URLSearchParams('')), { fieldManager: '' });
  });

  it('requires a field manager for apply, with kube\'s 422', () => {
    const err = refusal(PatchType.apply, '');
    assert.equal(err.httpCode, 422);
    assert.equal(err.message, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    assert.deepEqual(err.details?.causes, [{ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' }]);
  });

  it('refuses force on other patches and over-long field managers', () => {
    assert.equal(refusal(PatchType.strategic, 'force=false').message, 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
    assert.match(refusal(PatchType.apply, `fieldManager=${'m'.repeat(129)}`).message, /fieldManager: Too long: may not be more than 128/);
  });

  it('answers 415 listing the patch types it accepts', () => {
    const err = refusal('application/json', '');
    assert.equal(err.httpCode, 415);
    assert.equal(err.message, 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml');
  });
});
