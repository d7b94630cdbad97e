// Answers the authorization.k8s.io/v1 reviews: "may this subject do this?" (SelfSubjectAccessReview,
// SubjectAccessReview, LocalSubjectAccessReview) by asking the same authorizers that guard every
// request, and "what may I do here?" (SelfSubjectRulesReview) from the RBAC rules. Validation and the
// refusals are kube's; the review comes back with its status filled in and is never stored.
import { apiVersionOf, badRequest, invalid, StatusError, type KubeObject } from '@kapi/api-machinery';
import { aggregateMessages, authorizerUnion, type Authorizer, type PolicyRule, type RequestAttributes, type RulesResolver } from '@kapi/authorization';
import { reviewStrategies, type AccessReview, type AccessReviewSpec, type KindStrategy, type RulesReview } from '@kapi/kinds';

export interface AccessReviewStatus {
  allowed: boolean;
  denied?: boolean;
  reason?: string;
  evaluationError?: string;
}

function attributesFrom(spec: AccessReviewSpec, user: RequestAttributes['user']): RequestAttributes {
  const r = spec.resourceAttributes;
  if (r) {
    return {
      user,
      verb: r.verb ?? '',
      resourceRequest: true,
      apiGroup: r.group ?? '',
      apiVersion: r.version ?? '',
      resource: r.resource ?? '',
      subresource: r.subresource ?? '',
      namespace: r.namespace ?? '',
      name: r.name ?? '',
      path: '',
    };
  }
  const n = spec.nonResourceAttributes ?? {};
  return { user, verb: n.verb ?? '', resourceRequest: false, apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '', path: n.path ?? '' };
}

/** kube's SubjectRulesReviewStatus from policy rules: resource rules and non-resource rules apart. */
export function rulesReviewStatus(rules: PolicyRule[], errors: string[], incomplete = false) {
  const resourceRules = rules
    .filter((r) => (r.resources ?? []).length > 0)
    .map((r) => ({
      verbs: r.verbs ?? [],
      ...(r.apiGroups?.length ? { apiGroups: r.apiGroups } : {}),
      resources: r.resources,
      ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}),
    }));
  const nonResourceRules = rules.filter((r) => (r.nonResourceURLs ?? []).length > 0).map((r) => ({ verbs: r.verbs ?? [], nonResourceURLs: r.nonResourceURLs }));
  return { resourceRules, nonResourceRules, incomplete, ...(errors.length ? { evaluationError: aggregateMessages(errors) } : {}) };
}

export class ReviewAnswerer {
  private readonly strategies = new Map<string, KindStrategy>(reviewStrategies.map((s) => [s.info.resource, s]));
  private readonly union: Authorizer;

  constructor(
    authorizers: Authorizer[],
    private readonly rulesFor: RulesResolver,
  ) {
    this.union = authorizerUnion(authorizers);
  }

  /** The chain's decision; no opinion at all is neither allowed nor denied, and a failure is the evaluationError. */
  async decide(attributes: RequestAttributes): Promise<AccessReviewStatus> {
    const result = await this.union.authorize(attributes);
    return {
      allowed: result.decision === 'Allow',
      ...(result.decision === 'Deny' ? { denied: true } : {}),
      ...(result.reason ? { reason: result.reason } : {}),
      ...(result.error ? { evaluationError: result.error } : {}),
    };
  }

  /** Answers one review; throws a StatusError with what the client is to see when it is refused. */
  async answer(resource: string, namespace: string, body: Buffer, requester: RequestAttributes['user']): Promise<KubeObject> {
    const strategy = this.strategies.get(resource);
    if (!strategy) throw new StatusError('KAPI_ERR_ROUTE_NOT_FOUND', 'the server could not find the requested resource');
    const info = strategy.info;
    let review: KubeObject;
    try {
      review = JSON.parse(body.toString('utf8')) as KubeObject;
    } catch (err) {
      throw badRequest(`the request body could not be decoded: ${(err as Error).message}`);
    }
    if (typeof review !== 'object' || review === null || Array.isArray(review)) throw badRequest('the request body is not an object');
    const expected = apiVersionOf(info);
    if (review.apiVersion !== undefined && review.apiVersion !== expected) {
      throw badRequest(`the API version in the data (${review.apiVersion}) does not match the expected API version (${expected})`);
    }
    if (review.kind !== undefined && review.kind !== info.kind) {
      throw badRequest(`the kind in the data (${review.kind}) does not match the expected kind (${info.kind})`);
    }
    review.apiVersion = expected;
    review.kind = info.kind;
    review.metadata ??= {};
    if (info.namespaced) {
      if (review.metadata.namespace && namespace && review.metadata.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      review.metadata.namespace = review.metadata.namespace || namespace;
    }
    const errors = strategy.validate(review);
    if (errors.length) throw invalid(info.kind, info.group, '', errors);

    if (info.kind === 'SelfSubjectRulesReview') {
      const ns = (review as RulesReview).spec?.namespace ?? '';
      if (!ns) throw badRequest('no namespace on request');
      const { rules, errors: resolutionErrors, incomplete } = this.rulesFor(requester, ns);
      return { apiVersion: expected, kind: info.kind, metadata: review.metadata, spec: {}, status: rulesReviewStatus(rules, resolutionErrors, incomplete) };
    }

    const spec = (review as AccessReview).spec ?? {};
    if (info.kind === 'LocalSubjectAccessReview') {
      if (!namespace) throw badRequest('namespace is required on this type: ');
      if (namespace !== review.metadata.namespace) throw badRequest(`spec.resourceAttributes.namespace must match namespace: ${namespace}`);
    }
    const subject: RequestAttributes['user'] =
      info.kind === 'SelfSubjectAccessReview' ? requester : { username: spec.user ?? '', groups: spec.groups ?? [], uid: spec.uid ?? '', extra: spec.extra ?? {} };
    const status = await this.decide(attributesFrom(spec, subject));
    return { ...review, status };
  }
}
