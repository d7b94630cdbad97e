// core/v1 ServiceAccount. Secret references keep only their name, as kube's strategy cleans them; the
// registry's service account controller makes sure every namespace has a `default` one.
import { ageColumn, isDns1123Subdomain, metadataField, nameColumn, objectMessage, type KubeObject, type MessageSchema } from '@kapi/api-machinery';
import { defineStrategy } from '../strategy.js';

/** The ServiceAccount every namespace has. */
export const DEFAULT_SERVICE_ACCOUNT = 'default';

/** core/v1 ObjectReference (also an Event's involvedObject and related). */
export const objectReferenceSchema: MessageSchema = {
  fields: {
    1: { name: 'kind', type: 'string' },
    2: { name: 'namespace', type: 'string' },
    3: { name: 'name', type: 'string' },
    4: { name: 'uid', type: 'string' },
    5: { name: 'apiVersion', type: 'string' },
    6: { name: 'resourceVersion', type: 'string' },
    7: { name: 'fieldPath', type: 'string' },
  },
};

const localObjectReferenceSchema: MessageSchema = { fields: { 1: { name: 'name', type: 'string' } } };

interface ServiceAccountFields {
  secrets?: { name?: string }[];
}

const sa = (obj: KubeObject) => obj as KubeObject & ServiceAccountFields;

function cleanSecretReferences(obj: KubeObject): void {
  const secrets = sa(obj).secrets;
  if (Array.isArray(secrets)) sa(obj).secrets = secrets.map((s) => (s?.name ? { name: s.name } : {}));
}

/** authentication.k8s.io/v1 TokenRequest, the body of a create on serviceaccounts/<name>/token. */
export const tokenRequestSchema = objectMessage({
  spec: {
    fields: {
      1: { name: 'audiences', type: 'string', repeated: true },
      3: {
        name: 'boundObjectRef',
        type: { message: () => ({ fields: { 1: { name: 'kind', type: 'string' }, 2: { name: 'apiVersion', type: 'string' }, 3: { name: 'name', type: 'string' }, 4: { name: 'uid', type: 'string' } } }) },
      },
      4: { name: 'expirationSeconds', type: 'int64', keepZero: true },
    },
  },
});

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
    subresourceProtobuf: { token: tokenRequestSchema },
    protobuf: {
      fields: {
        1: metadataField,
        2: { name: 'secrets', type: { message: () => objectReferenceSchema }, repeated: true },
        3: { name: 'imagePullSecrets', type: { message: () => localObjectReferenceSchema }, repeated: true },
        4: { name: 'automountServiceAccountToken', type: 'bool', keepZero: true },
      },
    },
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
