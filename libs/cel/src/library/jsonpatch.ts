// Kubernetes' jsonpatch library for MutatingAdmissionPolicy: jsonpatch.escapeKey escapes a key for
// a JSON Pointer (RFC 6901: `~` as `~0`, `/` as `~1`).
import { type Library } from '../functions.js';
import { fn, overload } from '../stdlib.js';
import { T } from '../types.js';

export const jsonPatchLibrary: Library = {
  name: 'jsonpatch',
  functions: [fn('jsonpatch.escapeKey', overload('string_jsonpatch_escapeKey_string', [T.string], T.string, ([s]) => (s as string).replaceAll('~', '~0').replaceAll('/', '~1')))],
};
