// PATCH's options, checked before the object is looked up, as kube-apiserver checks PatchOptions.
import { field, invalid, PatchType, StatusError, type FieldError } from '@kapi/api-machinery';

/** The patch media types kube-apiserver accepts for its built-in kinds, in the order its 415 lists them. */
export const PATCH_MEDIA_TYPES: readonly string[] = [PatchType.json, PatchType.merge, PatchType.strategic, PatchType.apply];

const FIELD_MANAGER_MAX_LENGTH = 128;

export interface PatchOptions {
  fieldManager: string;
  force?: boolean;
}

/** Refuses an unknown patch type (415) or invalid options (422 PatchOptions.meta.k8s.io), and reads `force`. */
export function parsePatchOptions(patchType: string, query: URLSearchParams): PatchOptions {
  if (!PATCH_MEDIA_TYPES.includes(patchType)) {
    throw new StatusError('KAPI_ERR_UNSUPPORTED_MEDIA_TYPE', `the body of the request was in an unknown format - accepted media types include: ${PATCH_MEDIA_TYPES.join(', ')}`);
  }
  const fieldManager = query.get('fieldManager') ?? '';
  const errors: FieldError[] = [];
  if (patchType !== PatchType.apply) {
    if (query.has('force')) errors.push(field.forbidden('force', 'may not be specified for non-apply patch'));
  } else if (!fieldManager) {
    errors.push(field.required('fieldManager', 'is required for apply patch'));
  }
  if (fieldManager.length > FIELD_MANAGER_MAX_LENGTH) errors.push(field.tooLong('fieldManager', FIELD_MANAGER_MAX_LENGTH));
  if (errors.length) throw invalid('PatchOptions', 'meta.k8s.io', '', errors);
  const force = query.get('force');
  return patchType === PatchType.apply ? { fieldManager, force: force === 'true' || force === '1' } : { fieldManager };
}
