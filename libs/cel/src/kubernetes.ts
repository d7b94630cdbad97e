// Kubernetes' CEL environment at compatibility version 1.34 (k8s.io/apiserver/pkg/cel/environment
// base.go): the standard definitions with cross-type numeric comparisons, optional types, the
// strings extension at version 2, sets, two-variable comprehensions, and Kubernetes' own URL,
// regex, lists, authz (with selectors), quantity, IP, CIDR, format and semver libraries. cel-go's
// math, encoders and bindings extensions are not part of it, so they are not here either.
import { Environment, type EnvironmentOptions } from './env.js';
import type { Library } from './functions.js';
import { authzLibrary } from './library/authz.js';
import { formatLibrary } from './library/format.js';
import { jsonPatchLibrary } from './library/jsonpatch.js';
import { listsLibrary } from './library/lists.js';
import { cidrLibrary, ipLibrary } from './library/net.js';
import { quantityLibrary } from './library/quantity.js';
import { regexLibrary } from './library/regex.js';
import { semverLibrary } from './library/semver.js';
import { setsLibrary } from './library/sets.js';
import { stringsLibrary } from './library/strings.js';
import { urlsLibrary } from './library/urls.js';
import { optionalLibrary, standardLibrary } from './stdlib.js';

export const KUBERNETES_LIBRARIES: readonly Library[] = [
  standardLibrary,
  optionalLibrary,
  stringsLibrary,
  setsLibrary,
  urlsLibrary,
  regexLibrary,
  listsLibrary,
  authzLibrary,
  quantityLibrary,
  ipLibrary,
  cidrLibrary,
  formatLibrary,
  semverLibrary,
];

/** The library MutatingAdmissionPolicy adds (jsonpatch.escapeKey). */
export const MUTATION_LIBRARIES: readonly Library[] = [jsonPatchLibrary];

/** An environment with Kubernetes' libraries and the given variables and types. */
export function kubernetesEnvironment(options: Omit<EnvironmentOptions, 'libraries'> & { libraries?: Library[] } = {}): Environment {
  return new Environment({ ...options, libraries: [...KUBERNETES_LIBRARIES, ...(options.libraries ?? [])] });
}
