// The wording of an authorization denial, as kubectl users know it.
import { forbidden, StatusError } from '@kapi/api-machinery';
import type { RequestInfo } from './request-info.js';

/** What kube-apiserver's response writer does to every error message before a browser might see it. */
function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function forbiddenFor(info: RequestInfo, username: string, reason: string): StatusError {
  const suffix = reason ? `: ${reason}` : '';
  let err: StatusError;
  if (!info.isResourceRequest) {
    err = new StatusError('KAPI_ERR_AUTHZ_FORBIDDEN', `forbidden: User "${username}" cannot ${info.verb} path "${info.path}"${suffix}`);
  } else {
    // The sentence names the subresource; the Status is about the resource.
    const resource = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
    const scope = info.namespace ? `in the namespace "${info.namespace}"` : 'at the cluster scope';
    const why = `User "${username}" cannot ${info.verb} resource "${resource}" in API group "${info.apiGroup}" ${scope}${suffix}`;
    err = forbidden({ group: info.apiGroup, resource: info.resource }, info.name, why);
  }
  return new StatusError(err.code, escapeHtml(err.message), err.details);
}
