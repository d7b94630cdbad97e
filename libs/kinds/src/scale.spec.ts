import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '@kapi/api-machinery';
import { checkPatchedScale, checkScaleBody } from './scale.js';

const failsWith = (code: number, message: RegExp) => (err: unknown) => err instanceof StatusError && err.httpCode === code && message.test(err.message);

describe('a written Scale must decode as an autoscaling/v1 Scale', () => {
  it('takes a Scale with or without its type meta', () => {
    assert.doesNotThrow(() => checkScaleBody({ apiVersion: 'autoscaling/v1', kind: 'Scale', spec: { replicas: 2 } }));
    assert.doesNotThrow(() => checkScaleBody({ spec: { replicas: 2 } }));
    assert.doesNotThrow(() => checkPatchedScale({ apiVersion: 'autoscaling/v1', kind: 'Scale' }));
  });

  it('answers a PUT of another kind with kube\'s 400', () => {
    assert.throws(
      () => checkScaleBody({ apiVersion: 'apps/v1', kind: 'Deployment' }),
      failsWith(400, /^Deployment in version "v1" cannot be handled as a Scale: converting \(v1\.Deployment\) to \(autoscaling\.Scale\): unknown conversion$/),
    );
    assert.throws(
      () => checkScaleBody({ apiVersion: 'apps/v1', kind: 'Scale' }),
      failsWith(400, /^Scale in version "v1" cannot be handled as a Scale: no kind "Scale" is registered for version "apps\/v1" in scheme "pkg\/runtime\/scheme.go:110"$/),
    );
  });

  it('answers a patch that turns the Scale into something else with kube\'s 422', () => {
    assert.throws(() => checkPatchedScale({ apiVersion: 'apps/v1', kind: 'Deployment' }), failsWith(422, /patch: Invalid value: .*converting \(v1\.Deployment\) to \(autoscaling\.Scale\): unknown conversion/));
  });
});
