// node.k8s.io/v1 RuntimeClass: a named container runtime configuration. The handler is a DNS label
// that never changes; overhead and scheduling are validated as a pod's resources and tolerations.
import { ageColumn, field, isDns1123Label, isDns1123Subdomain, isLabelValue, isQualifiedName, nameColumn, validateLabels, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';
import { normalizeResourceList } from '../resourcequota/quantity.js';
import { validateLimitsList } from '../resourcequota/resource-names.js';

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

interface RuntimeClassFields {
  handler?: string;
  overhead?: { podFixed?: Record<string, string> };
  scheduling?: { nodeSelector?: Record<string, string>; tolerations?: Toleration[] };
}

const rc = (obj: KubeObject) => obj as KubeObject & RuntimeClassFields;

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** kube's ValidateTolerations. */
export function validateTolerations(tolerations: Toleration[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (tolerations ?? []).forEach((t, i) => {
    const at = `${path}[${i}]`;
    const key = t?.key ?? '';
    const operator = t?.operator ?? '';
    const effect = t?.effect ?? '';
    if (key) for (const msg of isQualifiedName(key)) errs.push(field.invalid(`${at}.key`, key, msg));
    if (!key && operator !== 'Exists') {
      errs.push(field.invalid(`${at}.operator`, operator, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t?.tolerationSeconds !== undefined && t?.tolerationSeconds !== null && effect !== 'NoExecute') {
      errs.push(field.invalid(`${at}.effect`, effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    switch (operator) {
      case 'Equal':
      case '': {
        const msgs = isLabelValue(t?.value ?? '');
        if (msgs.length) errs.push(field.invalid(`${at}.operator`, t?.value ?? '', msgs.join(';')));
        break;
      }
      case 'Exists':
        if (t?.value) errs.push(field.invalid(`${at}.operator`, t, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(field.notSupported(`${at}.operator`, operator, ['Equal', 'Exists']));
    }
    if (effect && !TAINT_EFFECTS.includes(effect)) errs.push(field.notSupported(`${at}.effect`, effect, TAINT_EFFECTS));
  });
  return errs;
}

function normalize(obj: KubeObject): void {
  const overhead = rc(obj).overhead;
  if (!overhead || typeof overhead !== 'object') return;
  const podFixed = normalizeResourceList(overhead.podFixed, 'RuntimeClass');
  if (podFixed) overhead.podFixed = podFixed;
}

export const runtimeClassStrategy = defineStrategy(
  {
    group: 'node.k8s.io',
    version: 'v1',
    resource: 'runtimeclasses',
    kind: 'RuntimeClass',
    namespaced: false,
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      // kube describes this column with ObjectMeta's (missing) doc for "handler": an empty string.
      { name: 'Handler', type: 'string', format: '', description: '', priority: 0, cell: (obj) => rc(obj).handler ?? '' },
      ageColumn,
    ],
    defaults: normalize,
    validate(obj) {
      const errs: FieldError[] = [];
      const { handler = '', overhead, scheduling } = rc(obj);
      for (const msg of isDns1123Label(handler)) errs.push(field.invalid('handler', handler, msg));
      if (overhead) errs.push(...validateLimitsList(overhead.podFixed, 'overhead.limits'));
      if (scheduling) {
        if (scheduling.nodeSelector) errs.push(...validateLabels(scheduling.nodeSelector, 'scheduling.nodeSelector'));
        errs.push(...validateTolerations(scheduling.tolerations, 'scheduling.tolerations'));
      }
      return errs;
    },
    validateUpdate(obj, old) {
      return (rc(obj).handler ?? '') === (rc(old).handler ?? '') ? [] : [field.invalid('handler', rc(obj).handler ?? '', 'field is immutable')];
    },
  },
);
