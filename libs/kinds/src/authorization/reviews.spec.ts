import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareNew } from '../strategy.js';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { decodeProtobufObject, invalid, isStatusError, type KubeObject } from '@kapi/api-machinery';
import {
  isReviewResource,
  localSubjectAccessReviewStrategy,
  reviewStrategies,
  selfSubjectAccessReviewStrategy,
  selfSubjectRulesReviewStrategy,
  subjectAccessReviewStrategy,
} from './reviews.js';

const G = 'authorization.k8s.io';
const message = (strategy: typeof selfSubjectAccessReviewStrategy, obj: KubeObject) => invalid(strategy.info.kind, G, '', strategy.validate(obj)).message;

describe('review kinds: resource info', () => {
  it('are create-only authorization.k8s.io/v1 resources, local reviews namespaced', () => {
    assert.deepEqual(
      reviewStrategies.map((s) => [s.info.resource, s.info.kind, s.info.namespaced, s.info.verbs]),
      [
        ['selfsubjectaccessreviews', 'SelfSubjectAccessReview', false, ['create']],
        ['subjectaccessreviews', 'SubjectAccessReview', false, ['create']],
        ['localsubjectaccessreviews', 'LocalSubjectAccessReview', true, ['create']],
        ['selfsubjectrulesreviews', 'SelfSubjectRulesReview', false, ['create']],
      ],
    );
    assert.equal(isReviewResource(G, 'selfsubjectaccessreviews'), true);
    assert.equal(isReviewResource(G, 'tokenreviews'), false);
    assert.equal(isReviewResource('', 'selfsubjectaccessreviews'), false);
  });

  it('are never stored: the generic store refuses them before anything else', () => {
    for (const s of reviewStrategies) {
      assert.throws(() => prepareNew(s, {}), (err) => isStatusError(err) && err.httpCode === 405);
    }
  });
});

describe('review kinds: validation as kube words it', () => {
  it('needs exactly one of resourceAttributes and nonResourceAttributes', () => {
    assert.deepEqual(selfSubjectAccessReviewStrategy.validate({ spec: { resourceAttributes: { verb: 'get' } } }), []);
    assert.equal(
      message(selfSubjectAccessReviewStrategy, { spec: {} }),
      'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
    );
    assert.equal(
      message(selfSubjectAccessReviewStrategy, { spec: { resourceAttributes: {}, nonResourceAttributes: { path: '/x', verb: 'get' } } }),
      'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.nonResourceAttributes: Invalid value: {"path":"/x","verb":"get"}: cannot be specified in combination with resourceAttributes',
    );
  });

  it('needs a user or a group in a SubjectAccessReview', () => {
    assert.equal(
      message(subjectAccessReviewStrategy, { spec: { resourceAttributes: { verb: 'get' } } }),
      'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified',
    );
    assert.deepEqual(subjectAccessReviewStrategy.validate({ spec: { groups: ['g'], resourceAttributes: { verb: 'get' } } }), []);
  });

  it('wants empty metadata, bar zero values', () => {
    assert.deepEqual(selfSubjectAccessReviewStrategy.validate({ metadata: { creationTimestamp: null }, spec: { resourceAttributes: {} } }), []);
    assert.equal(selfSubjectAccessReviewStrategy.validate({ metadata: { name: 'x' }, spec: { resourceAttributes: {} } })[0].field, 'metadata');
  });

  it('ties a LocalSubjectAccessReview to its namespace and to resources', () => {
    const lsar = (spec: object): KubeObject => ({ metadata: { namespace: 'x' }, spec: { user: 'jane', ...spec } });
    assert.deepEqual(localSubjectAccessReviewStrategy.validate(lsar({ resourceAttributes: { namespace: 'x', verb: 'get' } })), []);
    assert.equal(
      message(localSubjectAccessReviewStrategy, lsar({ resourceAttributes: { namespace: 'other', verb: 'get' } })),
      'LocalSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes.namespace: Invalid value: "other": must match metadata.namespace',
    );
    assert.match(message(localSubjectAccessReviewStrategy, lsar({ nonResourceAttributes: { path: '/x', verb: 'get' } })), /spec\.nonResourceAttributes: Invalid value: .*: disallowed on this kind of request/);
    assert.deepEqual(selfSubjectRulesReviewStrategy.validate({ spec: { namespace: 'x' } }), []);
  });
});

describe('review kinds: protobuf', () => {
  it('decodes the SelfSubjectAccessReview `kubectl auth can-i` sends', () => {
    const LD = WireType.LengthDelimited;
    const attrs = new BinaryWriter().tag(1, LD).string('x').tag(2, LD).string('list').tag(5, LD).string('configmaps').finish();
    const spec = new BinaryWriter().tag(1, LD).bytes(attrs).finish();
    const raw = new BinaryWriter().tag(1, LD).bytes(new Uint8Array()).tag(2, LD).bytes(spec).finish();
    const unknown = new BinaryWriter().tag(1, LD).fork().tag(1, LD).string(`${G}/v1`).tag(2, LD).string('SelfSubjectAccessReview').join().tag(2, LD).bytes(raw).finish();
    assert.deepEqual(decodeProtobufObject(Buffer.concat([Buffer.from('k8s\0', 'latin1'), unknown]), selfSubjectAccessReviewStrategy.protobuf!), {
      apiVersion: `${G}/v1`,
      kind: 'SelfSubjectAccessReview',
      metadata: {},
      spec: { resourceAttributes: { namespace: 'x', verb: 'list', resource: 'configmaps' } },
    });
  });

  it('decodes a SubjectAccessReview with groups and extra', () => {
    const LD = WireType.LengthDelimited;
    const extraValue = new BinaryWriter().tag(1, LD).string('a').tag(1, LD).string('b').finish();
    const extraEntry = new BinaryWriter().tag(1, LD).string('scopes').tag(2, LD).bytes(extraValue).finish();
    const nonRes = new BinaryWriter().tag(1, LD).string('/logs').tag(2, LD).string('get').finish();
    const spec = new BinaryWriter().tag(2, LD).bytes(nonRes).tag(3, LD).string('jane').tag(4, LD).string('devs').tag(5, LD).bytes(extraEntry).finish();
    const raw = new BinaryWriter().tag(2, LD).bytes(spec).finish();
    const unknown = new BinaryWriter().tag(1, LD).fork().tag(1, LD).string(`${G}/v1`).tag(2, LD).string('SubjectAccessReview').join().tag(2, LD).bytes(raw).finish();
    const obj = decodeProtobufObject(Buffer.concat([Buffer.from('k8s\0', 'latin1'), unknown]), subjectAccessReviewStrategy.protobuf!);
    assert.deepEqual(obj.spec, { nonResourceAttributes: { path: '/logs', verb: 'get' }, user: 'jane', groups: ['devs'], extra: { scopes: ['a', 'b'] } });
  });
});
