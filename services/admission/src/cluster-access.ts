// How the admission service's plugins reach the cluster: the watch-cache for their informers, the
// registry for live reads and ResourceQuota's usage, authz for what a user may do. Each is a small
// adapter over a gRPC client.
import type { UserInfoLike } from '@kapi/admission-chain';
import type { ApiReader, AuthorizationQuestion, QuotaStatusWriter, SubjectAuthorizer } from '@kapi/admission-plugins';
import type { AuthzDecision, AuthzRequest } from '@kapi/cel';
import { StatusError, type KubeList, type KubeObject, type Status } from '@kapi/api-machinery';
import { unary } from '@kapi/grpc';
import type { ResourceRef } from '@kapi/informer';
import { authzV1, type registryV1 } from '@kapi/proto';

/** Live reads through the registry's Get and List (the caller table admits the admission service to both). */
export function registryReader(client: registryV1.RegistryClient): ApiReader {
  const failed = (reply: registryV1.ObjectReply) => StatusError.fromStatus(JSON.parse(reply.status.toString('utf8')) as Status);
  return {
    async get(resource: ResourceRef, namespace: string, name: string): Promise<KubeObject | undefined> {
      const reply = await unary('registry', 'Get', client.get.bind(client), { resource: { ...resource, namespace }, name, subresource: '', resourceVersion: '', query: '', context: undefined });
      if (!reply.status.length) return JSON.parse(reply.object.toString('utf8')) as KubeObject;
      const err = failed(reply);
      if (err.httpCode === 404) return undefined;
      throw err;
    },
    async list(resource: ResourceRef, namespace: string): Promise<KubeObject[]> {
      const reply = await unary('registry', 'List', client.list.bind(client), {
        resource: { ...resource, namespace },
        labelSelector: '',
        fieldSelector: '',
        limit: 0,
        continue: '',
        resourceVersion: '',
        resourceVersionMatch: '',
      });
      if (reply.status.length) throw failed(reply);
      return (JSON.parse(reply.object.toString('utf8')) as KubeList).items ?? [];
    },
  };
}

/**
 * ResourceQuota's writes of usage, through the registry's UpdateQuotaUsage: the one write the caller
 * table gives the admission service, status.used alone and as no user.
 */
export function registryQuotaStatus(client: registryV1.RegistryClient): QuotaStatusWriter {
  return {
    async updateUsed(namespace, name, resourceVersion, used): Promise<KubeObject> {
      const reply = await unary('registry', 'UpdateQuotaUsage', client.updateQuotaUsage.bind(client), { namespace, name, resourceVersion, used: Buffer.from(JSON.stringify(used)) });
      if (reply.status.length) throw StatusError.fromStatus(JSON.parse(reply.status.toString('utf8')) as Status);
      return JSON.parse(reply.object.toString('utf8')) as KubeObject;
    },
  };
}

/** What a user may do, asked of the authz service's chain (system:masters, then the authorization modes). */
export function authzAuthorizer(client: authzV1.AuthorizationClient): SubjectAuthorizer {
  const decide = async (r: AuthzRequest): Promise<AuthzDecision> => {
    const extra = Object.fromEntries(Object.entries(r.user.extra ?? {}).map(([k, values]) => [k, { values }]));
    const resourceRequest = r.path === undefined;
    const reply = await unary('authz', 'Authorize', client.authorize.bind(client), {
      user: { username: r.user.username, uid: r.user.uid ?? '', groups: r.user.groups, extra },
      verb: r.verb,
      resourceRequest,
      apiGroup: r.group ?? '',
      apiVersion: r.version ?? (resourceRequest ? '*' : ''),
      resource: r.resource ?? '',
      subresource: r.subresource ?? '',
      namespace: r.namespace ?? '',
      name: r.name ?? '',
      path: r.path ?? '',
    });
    const decision = reply.decision === authzV1.Decision.DECISION_ALLOW ? 'Allow' : reply.decision === authzV1.Decision.DECISION_DENY ? 'Deny' : 'NoOpinion';
    return { decision, reason: reply.reason, ...(reply.evaluationError ? { error: reply.evaluationError } : {}) };
  };
  return {
    decide,
    async allowed(user: UserInfoLike, q: AuthorizationQuestion): Promise<boolean> {
      return (await decide({ user, ...q })).decision === 'Allow';
    },
  };
}

