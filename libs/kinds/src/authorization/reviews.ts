// authorization.k8s.io/v1 access and rules reviews: virtual kinds that are only ever created. The
// authz service answers them (the front door sends the create there); nothing stores them. They are
// in the catalogue so that discovery lists them with the single verb `create`, and so that their
// validation lives with the other kinds' (their protobuf messages are generated, as every kind's).
import { field, StatusError, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { defineStrategy, type KindStrategy } from '../strategy.js';

export const AUTHORIZATION_GROUP = 'authorization.k8s.io';

export interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

export interface NonResourceAttributes {
  path?: string;
  verb?: string;
}

export interface AccessReviewSpec {
  resourceAttributes?: ResourceAttributes | null;
  nonResourceAttributes?: NonResourceAttributes | null;
  user?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
  uid?: string;
}

export type AccessReview = KubeObject & { spec?: AccessReviewSpec };
export type RulesReview = KubeObject & { spec?: { namespace?: string } };

// --- validation (pkg/apis/authorization/validation) ---

/** Go renders a nil pointer in a field error as the string "null", and a struct as its %#v. */
function rendered(value: unknown): string {
  if (value == null) return '"null"';
  return JSON.stringify(value);
}

const invalidRendered = (path: string, value: unknown, detail: string): FieldError => ({
  type: 'FieldValueInvalid',
  field: path,
  detail: `Invalid value: ${rendered(value)}: ${detail}`,
});

function validateAttributes(spec: AccessReviewSpec): FieldError[] {
  const errs: FieldError[] = [];
  if (spec.resourceAttributes != null && spec.nonResourceAttributes != null) {
    errs.push(invalidRendered('spec.nonResourceAttributes', spec.nonResourceAttributes, 'cannot be specified in combination with resourceAttributes'));
  }
  if (spec.resourceAttributes == null && spec.nonResourceAttributes == null) {
    errs.push(invalidRendered('spec.resourceAttributes', spec.nonResourceAttributes, 'exactly one of nonResourceAttributes or resourceAttributes must be specified'));
  }
  return errs;
}

function validateUserOrGroup(spec: AccessReviewSpec): FieldError[] {
  if (spec.user || (spec.groups ?? []).length) return [];
  return [field.invalid('spec.user', spec.user ?? '', 'at least one of user or group must be specified')];
}

/** Whether metadata holds nothing but what kube ignores (managedFields, zero values); `except` may be set. */
function metadataEmpty(obj: KubeObject, except: string[] = []): boolean {
  return Object.entries(obj.metadata ?? {}).every(([k, v]) => k === 'managedFields' || except.includes(k) || v == null || v === '' || (typeof v === 'object' && Object.keys(v).length === 0));
}

function validateEmptyMetadata(obj: KubeObject, except: string[] = [], detail = 'must be empty'): FieldError[] {
  return metadataEmpty(obj, except) ? [] : [invalidRendered('metadata', obj.metadata, detail)];
}

const specOf = (obj: KubeObject) => ((obj as AccessReview).spec ?? {}) as AccessReviewSpec;

// --- the kinds ---

/** Reviews are answered, never stored: a write that reached the generic store is refused. */
const neverStored = (): never => {
  throw new StatusError('KAPI_ERR_METHOD_NOT_ALLOWED', 'the server does not allow this method on the requested resource');
};

function reviewStrategy(resource: string, kind: string, namespaced: boolean, validate: (obj: KubeObject) => FieldError[]): KindStrategy {
  return defineStrategy(
    { group: AUTHORIZATION_GROUP, version: 'v1', resource, kind, namespaced, verbs: ['create'], storageVersion: null },
    { validateName: () => [], prepareForCreate: neverStored, prepareForUpdate: neverStored, validate },
  );
}

export const selfSubjectAccessReviewStrategy = reviewStrategy('selfsubjectaccessreviews', 'SelfSubjectAccessReview', false, (obj) => [
  ...validateAttributes(specOf(obj)),
  ...validateEmptyMetadata(obj),
]);

export const subjectAccessReviewStrategy = reviewStrategy('subjectaccessreviews', 'SubjectAccessReview', false, (obj) => [
  ...validateAttributes(specOf(obj)),
  ...validateUserOrGroup(specOf(obj)),
  ...validateEmptyMetadata(obj),
]);

export const localSubjectAccessReviewStrategy = reviewStrategy('localsubjectaccessreviews', 'LocalSubjectAccessReview', true, (obj) => {
  const spec = specOf(obj);
  const errs = [...validateAttributes(spec), ...validateUserOrGroup(spec), ...validateEmptyMetadata(obj, ['namespace'], 'must be empty except for namespace')];
  if (spec.resourceAttributes != null && (spec.resourceAttributes.namespace ?? '') !== (obj.metadata?.namespace ?? '')) {
    errs.push(field.invalid('spec.resourceAttributes.namespace', spec.resourceAttributes.namespace ?? '', 'must match metadata.namespace'));
  }
  if (spec.nonResourceAttributes != null) errs.push(invalidRendered('spec.nonResourceAttributes', spec.nonResourceAttributes, 'disallowed on this kind of request'));
  return errs;
});

export const selfSubjectRulesReviewStrategy = reviewStrategy(
  'selfsubjectrulesreviews',
  'SelfSubjectRulesReview',
  false,
  () => [],
);

export const reviewStrategies: readonly KindStrategy[] = [
  selfSubjectAccessReviewStrategy,
  subjectAccessReviewStrategy,
  localSubjectAccessReviewStrategy,
  selfSubjectRulesReviewStrategy,
];

/** Whether a group/resource is one of the review kinds, which are answered rather than stored. */
export function isReviewResource(group: string, resource: string): boolean {
  return group === AUTHORIZATION_GROUP && reviewStrategies.some((s) => s.info.resource === resource);
}
