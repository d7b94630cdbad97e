// core/v1 Secret: data keys as ConfigMap keys, 1 MiB of decoded data, the keys each well-known type
// requires, `immutable`, a `type` that cannot change, and the `type` field selector. stringData is a
// write-only convenience merged into data, as kube's conversion does.
import { ageColumn, badRequest, deepEqual, field, isConfigMapKey, isDns1123Subdomain, nameColumn, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { defineStrategy, objectMetaFields } from '../strategy.js';

export const SECRET_TYPES = {
  opaque: 'Opaque',
  serviceAccountToken: 'kubernetes.io/service-account-token',
  dockercfg: 'kubernetes.io/dockercfg',
  dockerConfigJson: 'kubernetes.io/dockerconfigjson',
  basicAuth: 'kubernetes.io/basic-auth',
  sshAuth: 'kubernetes.io/ssh-auth',
  tls: 'kubernetes.io/tls',
  bootstrapToken: 'bootstrap.kubernetes.io/token',
} as const;

const SERVICE_ACCOUNT_NAME_KEY = 'kubernetes.io/service-account.name';
const MAX_SECRET_SIZE = 1024 * 1024;
const IMMUTABLE = 'field is immutable when `immutable` is set';

interface SecretFields {
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  type?: string;
  immutable?: boolean;
}

const secret = (obj: KubeObject) => obj as KubeObject & SecretFields;

/** Go's encoding/json reads []byte as standard base64, padding required; line breaks are skipped. */
function decodeBase64(value: string): Buffer | { badByte: number } {
  const text = value.replace(/[\r\n]/g, '');
  const bad = text.search(/[^A-Za-z0-9+/=]/);
  if (bad >= 0) return { badByte: bad };
  const pad = text.indexOf('=');
  if (pad >= 0 && (!/^=*$/.test(text.slice(pad)) || text.length % 4 !== 0)) return { badByte: pad };
  if (text.length % 4 !== 0) return { badByte: text.length - (text.length % 4) };
  return Buffer.from(text, 'base64');
}

/** Go's json.Unmarshal into a map, for the docker config keys: the words of Go's JSON scanner. */
function jsonObjectError(bytes: Buffer): string | undefined {
  const text = bytes.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return jsonSyntaxError(text);
  }
  if (parsed === null || (typeof parsed === 'object' && !Array.isArray(parsed))) return undefined;
  const goType = Array.isArray(parsed) ? 'array' : typeof parsed === 'boolean' ? 'bool' : typeof parsed;
  return `json: cannot unmarshal ${goType} into Go value of type map[string]interface {}`;
}

/** The first syntax error Go reports for the usual mistakes (a bad start, a misspelt literal, trailing text, a cut). */
function jsonSyntaxError(text: string): string {
  const start = text.search(/\S/);
  if (start < 0) return 'unexpected end of JSON input';
  const first = text[start];
  for (const literal of ['true', 'false', 'null']) {
    if (first !== literal[0]) continue;
    for (let i = 1; i < literal.length; i++) {
      const c = text[start + i];
      if (c === undefined) return 'unexpected end of JSON input';
      if (c !== literal[i]) return `invalid character '${c}' in literal ${literal} (expecting '${literal[i]}')`;
    }
    const rest = text.slice(start + literal.length).search(/\S/);
    if (rest >= 0) return `invalid character '${text.slice(start + literal.length)[rest]}' after top-level value`;
  }
  if (!'{["-0123456789tfn'.includes(first)) return `invalid character '${first}' looking for beginning of value`;
  // A value followed by a little more text (looked for near the end only), or one cut short.
  for (let end = text.length; end > start && text.length - end < 64; end--) {
    try {
      JSON.parse(text.slice(0, end));
      const rest = text.slice(end).search(/\S/);
      return `invalid character '${text.slice(end)[rest]}' after top-level value`;
    } catch {
      // keep shortening
    }
  }
  return 'unexpected end of JSON input';
}

function requireKeys(data: Record<string, string>, keys: string[], prefix = 'data'): FieldError[] {
  return keys.filter((k) => !(k in data)).map((k) => field.required(`${prefix}[${k}]`));
}

/** The keys and content each well-known type needs (ValidateSecret). */
function validateType(obj: KubeObject, decoded: Map<string, Buffer>): FieldError[] {
  const { data = {}, type = '' } = secret(obj);
  switch (type) {
    case SECRET_TYPES.serviceAccountToken:
      // Only the name annotation is required; the token controller fills in the rest.
      return obj.metadata?.annotations?.[SERVICE_ACCOUNT_NAME_KEY] ? [] : [field.required(`metadata.annotations[${SERVICE_ACCOUNT_NAME_KEY}]`)];
    case SECRET_TYPES.dockercfg:
    case SECRET_TYPES.dockerConfigJson: {
      const key = type === SECRET_TYPES.dockercfg ? '.dockercfg' : '.dockerconfigjson';
      if (!(key in data)) return [field.required(`data[${key}]`)];
      const bytes = decoded.get(key);
      const why = bytes && jsonObjectError(bytes);
      return why ? [field.invalid(`data[${key}]`, '<secret contents redacted>', why)] : [];
    }
    case SECRET_TYPES.basicAuth:
      // kube names these paths `data[%s][username]`: its field path takes the format verb literally.
      if (!('username' in data) && !('password' in data)) return requireKeys(data, ['username', 'password'], 'data[%s]');
      return [];
    case SECRET_TYPES.sshAuth:
      return decoded.get('ssh-privatekey')?.length ? [] : [field.required('data[%s][ssh-privatekey]')];
    case SECRET_TYPES.tls:
      return requireKeys(data, ['tls.crt', 'tls.key']);
    default:
      return [];
  }
}

function prepare(obj: KubeObject): void {
  const s = secret(obj);
  s.type ||= SECRET_TYPES.opaque;
  if (s.stringData && typeof s.stringData === 'object') {
    const data: Record<string, string> = { ...s.data };
    for (const [k, v] of Object.entries(s.stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    s.data = data;
  }
  delete s.stringData;
  for (const [k, v] of Object.entries(s.data ?? {})) {
    const decoded = typeof v === 'string' ? decodeBase64(v) : { badByte: 0 };
    if (!Buffer.isBuffer(decoded)) {
      throw badRequest(`Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte ${decoded.badByte}`);
    }
    // Go writes []byte back in canonical base64.
    (s.data as Record<string, string>)[k] = decoded.toString('base64');
  }
}

export const secretStrategy = defineStrategy(
  {
    group: '',
    version: 'v1',
    resource: 'secrets',
    kind: 'Secret',
    namespaced: true,
  },
  {
    validateName: isDns1123Subdomain,
    tableColumns: [
      nameColumn,
      {
        name: 'Type',
        type: 'string',
        format: '',
        description: 'Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types',
        priority: 0,
        cell: (obj) => secret(obj).type ?? '',
      },
      {
        name: 'Data',
        type: 'string',
        format: '',
        description:
          "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4",
        priority: 0,
        cell: (obj) => Object.keys(secret(obj).data ?? {}).length,
      },
      ageColumn,
    ],
    defaults: prepare,
    validate(obj) {
      const errs: FieldError[] = [];
      const decoded = new Map<string, Buffer>();
      let total = 0;
      for (const [key, value] of Object.entries(secret(obj).data ?? {})) {
        for (const msg of isConfigMapKey(key)) errs.push(field.invalid(`data[${key}]`, key, msg));
        const bytes = typeof value === 'string' ? decodeBase64(value) : undefined;
        if (Buffer.isBuffer(bytes)) {
          decoded.set(key, bytes);
          total += bytes.length;
        }
      }
      if (total > MAX_SECRET_SIZE) errs.push(field.tooLong('data', MAX_SECRET_SIZE));
      errs.push(...validateType(obj, decoded));
      return errs;
    },
    validateUpdate(obj, old) {
      const errs: FieldError[] = [];
      if ((secret(obj).type ?? '') !== (secret(old).type ?? '')) errs.push(field.invalid('type', secret(obj).type ?? '', 'field is immutable'));
      if (secret(old).immutable) {
        if (!secret(obj).immutable) errs.push(field.forbidden('immutable', IMMUTABLE));
        if (!deepEqual(secret(obj).data ?? {}, secret(old).data ?? {})) errs.push(field.forbidden('data', IMMUTABLE));
      }
      return errs;
    },
    selectableFields: (obj) => ({ ...objectMetaFields(obj, true), type: secret(obj).type ?? '' }),
  },
);
