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

/** Whether a user may do something, asked of the authz service's chain (an Allow, nothing else). */
export function authzAuthorizer(client: authzV1.AuthorizationClient): SubjectAuthorizer {
  return {
    async allowed(user: UserInfoLike, q: AuthorizationQuestion): Promise<boolean> {
      const extra = Object.fromEntries(Object.entries(user.extra ?? {}).map(([k, values]) => [k, { values }]));
      const reply = await unary('authz', 'Authorize', client.authorize.bind(client), {
        user: { username: user.username, uid: user.uid ?? '', groups: user.groups, extra },
        verb: q.verb,
        resourceRequest: true,
        apiGroup: q.group,
        apiVersion: '*',
        resource: q.resource,
        subresource: q.subresource ?? '',
        namespace: q.namespace ?? '',
        name: q.name ?? '',
        path: '',
      });
      return reply.decision === authzV1.Decision.DECISION_ALLOW;
    },
  };
}

/**
 * CEL's `authorizer` (for webhooks' matchConditions) over a SubjectAuthorizer: a resource check is
 * allowed or has no opinion (the authz service's chain answers Allow or not), and a failure to ask
 * is the check's error. A non-resource check (a path) cannot be asked through it and is an error.
 */
export function celAuthorize(authorizer: SubjectAuthorizer): (request: AuthzRequest) => Promise<AuthzDecision> {
  return async (r) => {
    if (r.path !== undefined) return { decision: 'NoOpinion', reason: '', error: `non-resource authorization checks (${r.path}) are not decided for match conditions` };
    const question: AuthorizationQuestion = { verb: r.verb, group: r.group ?? '', resource: r.resource ?? '', subresource: r.subresource, namespace: r.namespace, name: r.name };
    try {
      return { decision: (await authorizer.allowed(r.user, question)) ? 'Allow' : 'NoOpinion', reason: '' };
    } catch (err) {
      return { decision: 'NoOpinion', reason: '', error: (err as Error).message };
    }
  };
}
