// fieldValidation: what to do with fields a built-in kind does not declare (and, before it, values of
// the wrong type, which fail the request whatever fieldValidation says). kube-apiserver always
// drops them (they do not survive decoding into its Go types); the query parameter says whether
// the client hears about it: Strict fails the request (400), Warn (the default) adds one warning per
// field, Ignore says nothing.
import { badRequest, field, invalid, PatchType } from '@kapi/api-machinery';
import { fieldProblems, firstTypeError, unknownFields, unknownPatchFields, type GroupVersionKind, type SchemaCatalogue } from '@kapi/schema';
import { yamlDuplicateKeys } from './yaml-duplicate-keys.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** The directive of a write's query, refused (422, as the write's options) when it is none of kube's. */
export function parseFieldValidation(value: string | null, options: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions'): FieldValidation {
  if (value === null || value === '') return 'Warn';
  if (value === 'Strict' || value === 'Warn' || value === 'Ignore') return value;
  throw invalid(options, 'meta.k8s.io', '', [field.notSupported('fieldValidation', value, ['', 'Ignore', 'Strict', 'Warn'])]);
}

const describe = (paths: string[]) => paths.map((p) => `unknown field "${p}"`);

/**
 * The warnings for the problems found, or the Strict error (with kube's prefix for a decoded object).
 * Repeated YAML keys come first, as goyaml's one error under Strict and a warning each under Warn.
 */
function verdict(problems: string[], directive: FieldValidation, prefix: string, yamlDuplicates: string[] = []): string[] {
  if ((problems.length === 0 && yamlDuplicates.length === 0) || directive === 'Ignore') return [];
  if (directive === 'Strict') {
    const all = yamlDuplicates.length ? [yamlUnmarshalErrors(yamlDuplicates), ...problems] : problems;
    throw badRequest(`${prefix}strict decoding error: ${all.join(', ')}`);
  }
  return [...yamlDuplicates, ...problems];
}

const yamlUnmarshalErrors = (duplicates: string[]) => `yaml: unmarshal errors:${duplicates.map((d) => `\n  ${d}`).join('')}`;

/** The repeated keys of a YAML body, when fieldValidation asks about them. */
export function yamlBodyDuplicates(mediaType: string, raw: Buffer, directive: FieldValidation): string[] {
  return mediaType === 'application/yaml' && directive !== 'Ignore' ? yamlDuplicateKeys(raw.toString('utf8')) : [];
}

/**
 * The repeated keys of a server-side apply's YAML: warnings, or under Strict kube's 400 for the
 * configuration (`error strict decoding YAML: …`).
 */
export function validateApplyDuplicates(raw: Buffer, directive: FieldValidation): string[] {
  const duplicates = yamlBodyDuplicates('application/yaml', raw, directive);
  if (duplicates.length && directive === 'Strict') throw badRequest(`error strict decoding YAML: error converting YAML to JSON: ${yamlUnmarshalErrors(duplicates)}`);
  return duplicates;
}

/**
 * Checks and prunes the unknown fields of a create or update body (JSON text) of a kind. Returns
 * the body to store and the warnings to send; throws the 400 of Strict. With the JSON text as the
 * client sent it (`sent`), duplicate fields are reported too. A kind the schema catalogue does not
 * know is passed through.
 */
export function validateObjectFields(
  schemas: SchemaCatalogue,
  gvk: GroupVersionKind,
  body: Buffer,
  directive: FieldValidation,
  sent?: Buffer,
  yamlDuplicates: string[] = [],
): { body: Buffer; warnings: string[] } {
  const schema = schemas.schemaOf(gvk);
  if (!schema) return { body, warnings: [] };
  const obj = JSON.parse(body.toString('utf8')) as { apiVersion?: unknown; kind?: unknown };
  // kube names the kind and version the body claims, then the kind it decodes into.
  const dataKind = typeof obj?.kind === 'string' && obj.kind ? obj.kind : gvk.kind;
  const dataVersion = typeof obj?.apiVersion === 'string' && obj.apiVersion ? obj.apiVersion.split('/').pop() : gvk.version;
  const prefix = `${dataKind} in version "${dataVersion}" cannot be handled as a ${gvk.kind}: `;
  // A value of the wrong type fails the decoding itself, whatever fieldValidation says.
  const typeError = firstTypeError(schemas, gvk, obj);
  if (typeError) throw badRequest(`${prefix}${typeError}`);
  const found = unknownFields(schemas, schema, obj, true);
  const problems = sent && directive !== 'Ignore' ? fieldProblems(schemas, schema, sent.toString('utf8')) : describe(found);
  const warnings = verdict(problems, directive, prefix, yamlDuplicates);
  return { body: found.length ? Buffer.from(JSON.stringify(obj)) : body, warnings };
}

/**
 * The same for a patch: the unknown fields it would bring. The registry prunes the patched object.
 * An applied configuration is not checked here: kube's server-side apply refuses its unknown
 * fields whatever fieldValidation says (the registry's typed-patch check).
 */
export function validatePatchFields(schemas: SchemaCatalogue, gvk: GroupVersionKind, patchType: string, patch: Buffer, directive: FieldValidation): string[] {
  const schema = schemas.schemaOf(gvk);
  if (!schema || patchType === PatchType.apply) return [];
  return verdict(describe(unknownPatchFields(schemas, schema, patchType, JSON.parse(patch.toString('utf8')))), directive, '');
}


/** A kind that decodes its own objects (a custom resource's schema): prunes in place, reports what it pruned, or fails. */
export interface ObjectDecoder {
  decode(obj: Record<string, unknown>): { unknownFieldPaths: string[]; error?: string };
}

/**
 * validateObjectFields for a kind that decodes its own objects: the decoder's error is the 400 of
 * kube's decoding, the fields it pruned are reported as fieldValidation asks.
 */
export function validateDecodedFields(
  decoder: ObjectDecoder,
  gvk: GroupVersionKind,
  body: Buffer,
  directive: FieldValidation,
  yamlDuplicates: string[] = [],
): { body: Buffer; warnings: string[] } {
  const obj = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  const dataKind = typeof obj?.kind === 'string' && obj.kind ? obj.kind : gvk.kind;
  const dataVersion = typeof obj?.apiVersion === 'string' && obj.apiVersion ? obj.apiVersion.split('/').pop() : gvk.version;
  const prefix = `${dataKind} in version "${dataVersion}" cannot be handled as a ${gvk.kind}: `;
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return { body, warnings: [] };
  const decoded = decoder.decode(obj);
  if (decoded.error) throw badRequest(`${prefix}${decoded.error}`);
  const warnings = verdict(describe(decoded.unknownFieldPaths), directive, prefix, yamlDuplicates);
  return { body: Buffer.from(JSON.stringify(obj)), warnings };
}
