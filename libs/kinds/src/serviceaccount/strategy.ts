// core/v1 ServiceAccount. Secret references keep only their name, as kube's strategy cleans them; the
// registry's service account controller makes sure every namespace has a `default` one.
import { ageColumn, isDns1123Subdomain, nameColumn, type KubeObject } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';

/** The ServiceAccount every namespace has. */
export const DEFAULT_SERVICE_ACCOUNT = 'default';

interface ServiceAccountFields {
  secrets?: { name?: string }[];
}

const sa = (obj: KubeObject) => obj as KubeObject & ServiceAccountFields;

function cleanSecretReferences(obj: KubeObject): void {
  const secrets = sa(obj).secrets;
  if (Array.isArray(secrets)) sa(obj).secrets = secrets.map((s) => (s?.name ? { name: s.name } : {}));
}

export const serviceAccountStrategy = defineStrategy(
  {
    group: '',
    version: 'v1',
    resource: 'serviceaccounts',
    kind: 'ServiceAccount',
    subresources: ['token'],
    namespaced: true,
    shortNames: ['sa'],
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      {
        name: 'Secrets',
        type: 'string',
        format: '',
        description:
          'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a "kubernetes.io/enforce-mountable-secrets" annotation set to "true". The "kubernetes.io/enforce-mountable-secrets" annotation is deprecated since v1.32. Prefer separate namespaces to isolate access to mounted secrets. This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret',
        priority: 0,
        cell: (obj) => (Array.isArray(sa(obj).secrets) ? sa(obj).secrets!.length : 0),
      },
      ageColumn,
    ],
    prepareForCreate: cleanSecretReferences,
    prepareForUpdate: cleanSecretReferences,
  },
);
