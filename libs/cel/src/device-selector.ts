// The CEL environment of DRA's device selectors (k8s.io/dynamic-resource-allocation/cel): one
// variable, `device`, with the driver's name, its attributes and capacities by domain and name,
// and whether it may be allocated more than once. A selector must evaluate to bool (or dyn).
import { kubernetesEnvironment } from './kubernetes.js';
import type { Environment } from './env.js';
import { QUANTITY_TYPE } from './library/quantity.js';
import { formatType, T } from './types.js';

let shared: Environment | undefined;

function deviceSelectorEnvironment(): Environment {
  shared ??= kubernetesEnvironment({
    variables: {
      device: T.object(
        'kubernetes.DRADevice',
        new Map([
          ['driver', T.string],
          ['attributes', T.map(T.string, T.map(T.string, T.dyn))],
          ['capacity', T.map(T.string, T.map(T.string, T.opaque(QUANTITY_TYPE)))],
          ['allowMultipleAllocations', T.bool],
        ]),
      ),
    },
  });
  return shared;
}

/** Why a device selector does not compile, in kube's words; undefined when it does. */
export function deviceSelectorError(expression: string): string | undefined {
  const result = deviceSelectorEnvironment().compile(expression);
  if (result.issues) return `compilation failed: ${result.issues}`;
  const type = formatType(result.program.type);
  return type === 'bool' || type === 'dyn' ? undefined : `must evaluate to bool or the unknown type, not ${type}`;
}
