// The wording of an authorization denial, as kubectl users know it.
import { forbidden, StatusError } from '@kapi/api-machinery';
import type { RequestInfo } from './request-info.js';

export function forbiddenFor(info: RequestInfo, username: string, reason: string): StatusError {
  const suffix = reason ? `: ${reason}` : '';
  if (!info.isResourceRequest) {
    return new StatusError('KAPI_ERR_AUTHZ_FORBIDDEN', `forbidden: User "${username}" cannot ${info.verb} path "${info.path}"${suffix}`);
  }
  const resource = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  const scope = info.namespace ? `in the namespace "${info.namespace}"` : 'at the cluster scope';
  const why = `User "${username}" cannot ${info.verb} resource "${resource}" in API group "${info.apiGroup}" ${scope}${suffix}`;
  return forbidden({ group: info.apiGroup, resource }, info.name, why);
}
