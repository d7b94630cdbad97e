// The refusals plugins answer with, in kube's admission words.
import type { AdmissionAttributes } from '@kapi/admission-chain';
import { forbidden, StatusError, type StatusCause } from '@kapi/api-machinery';

/**
 * kube's admission.NewForbidden: `<resource> "<name>" is forbidden: <why>`, the name being the
 * request's, else the object's (its generateName before one is generated), else "Unknown".
 */
export function admissionForbidden(a: AdmissionAttributes, why: string, causes?: StatusCause[]): StatusError {
  const meta = a.object?.metadata;
  const name = a.name || meta?.name || meta?.generateName || 'Unknown';
  const refused = forbidden({ group: a.resource.group, resource: a.resource.resource }, name, why);
  return new StatusError('KAPI_ERR_ADMISSION_DENIED', refused.message, { ...refused.details, ...(causes ? { causes } : {}) });
}

/** utilerrors.NewAggregate(errs).Error(): one message alone, several in brackets. */
export function aggregate(messages: string[]): string {
  return messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`;
}

/** A resource of a request, compared as kube compares GroupResources. */
export const isResource = (a: AdmissionAttributes, group: string, resource: string) => a.resource.group === group && a.resource.resource === resource;

/** A kind of a request, compared as kube compares GroupKinds. */
export const isKind = (a: AdmissionAttributes, group: string, kind: string) => a.kind.group === group && a.kind.kind === kind;
