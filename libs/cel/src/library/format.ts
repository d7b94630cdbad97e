// Kubernetes' format library (k8s.io/apiserver/pkg/cel/library/format.go, since 1.31): named
// formats (`format.dns1123Label()`, `format.named("uuid")`, …) whose validate() returns the
// validation errors apimachinery gives, or optional.none() for a valid string.
import { err, type Library } from '../functions.js';
import { fn, member, overload } from '../stdlib.js';
import { T } from '../types.js';
import { parseTimestamp } from '../time.js';
import { CelOptional, isError, OpaqueValue, type Value } from '../values.js';
import { parseRequestURI } from './urls.js';

export const FORMAT_TYPE = 'kubernetes.NamedFormat';
const FormatT = T.opaque(FORMAT_TYPE);

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const DNS1035_LABEL = '[a-z]([-a-z0-9]*[a-z0-9])?';
const QUALIFIED_NAME = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE = `(${QUALIFIED_NAME})?`;

/** apimachinery's RegexError: the message with examples and the regex. */
const regexError = (msg: string, re: string, ...examples: string[]) => `${msg} (e.g. ${examples.map((e) => `'${e}'`).join(',  or ')}, regex used for validation is '${re}')`;
const maxLen = (n: number) => `must be no more than ${n} characters`;
const full = (re: string) => new RegExp(`^${re}$`);

function dns1123Label(s: string): string[] {
  const errs: string[] = [];
  if (s.length > 63) errs.push(maxLen(63));
  if (!full(DNS1123_LABEL).test(s)) errs.push(regexError("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character", DNS1123_LABEL, 'my-name', '123-abc'));
  return errs;
}

function dns1123Subdomain(s: string): string[] {
  const errs: string[] = [];
  if (s.length > 253) errs.push(maxLen(253));
  if (!full(DNS1123_SUBDOMAIN).test(s)) errs.push(regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", DNS1123_SUBDOMAIN, 'example.com'));
  return errs;
}

function dns1035Label(s: string): string[] {
  const errs: string[] = [];
  if (s.length > 63) errs.push(maxLen(63));
  if (!full(DNS1035_LABEL).test(s)) errs.push(regexError("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character", DNS1035_LABEL, 'my-name', 'abc-123'));
  return errs;
}

function qualifiedName(s: string): string[] {
  const parts = s.split('/');
  let name: string;
  const errs: string[] = [];
  if (parts.length === 1) name = parts[0];
  else if (parts.length === 2) {
    [, name] = parts;
    if (parts[0].length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...dns1123Subdomain(parts[0]).map((e) => `prefix part ${e}`));
  } else {
    return [
      regexError("a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", QUALIFIED_NAME, 'MyName', 'my.name', '123-abc') +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push(`name part ${maxLen(63)}`);
  if (name.length && !full(QUALIFIED_NAME).test(name)) errs.push(`name part ${regexError("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", QUALIFIED_NAME, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

function labelValue(s: string): string[] {
  const errs: string[] = [];
  if (s.length > 63) errs.push(maxLen(63));
  if (!full(LABEL_VALUE).test(s)) errs.push(regexError("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", LABEL_VALUE, 'MyValue', 'my_value', '12345'));
  return errs;
}

/** A generateName prefix may end with a dash: it is validated as if the dash were a letter. */
const prefix = (validate: (s: string) => string[]) => (s: string) => validate(s.length > 1 && s.endsWith('-') ? `${s.slice(0, -1)}a` : s);

const FORMATS: Record<string, (s: string) => string[]> = {
  dns1123Label,
  dns1123Subdomain,
  dns1035Label,
  qualifiedName,
  dns1123LabelPrefix: prefix(dns1123Label),
  dns1123SubdomainPrefix: prefix(dns1123Subdomain),
  dns1035LabelPrefix: prefix(dns1035Label),
  labelValue,
  uri: (s) => {
    const p = parseRequestURI(s);
    return typeof p === 'string' ? [`invalid URI: ${p}`] : [];
  },
  uuid: (s) => (/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(s) ? [] : ['does not match the UUID format']),
  byte: (s) => (/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s) ? [] : ['invalid base64']),
  date: (s) => (/^\d{4}-\d{2}-\d{2}$/.test(s) && !isError(parseTimestamp(`${s}T00:00:00Z`)) ? [] : ['invalid date']),
  datetime: (s) => (isError(parseTimestamp(s)) ? ['invalid datetime'] : []),
};

export class NamedFormat extends OpaqueValue {
  readonly celType = FORMAT_TYPE;
  constructor(readonly name: string) {
    super();
  }
  equals(other: OpaqueValue): boolean {
    return other instanceof NamedFormat && other.name === this.name;
  }
  override toString(): string {
    return this.name;
  }
}

export const formatLibrary: Library = {
  name: 'format',
  functions: [
    fn('format.named', overload('format-named', [T.string], T.optional(FormatT), ([n]) => (Object.hasOwn(FORMATS, n as string) ? CelOptional.of(new NamedFormat(n as string)) : CelOptional.none))),
    ...Object.keys(FORMATS).map((name) => fn(`format.${name}`, overload(`format-${name}`, [], FormatT, () => new NamedFormat(name)))),
    fn(
      'validate',
      member('format-validate', [FormatT, T.string], T.optional(T.list(T.string)), ([f, s]) => {
        const validate = FORMATS[(f as NamedFormat).name];
        if (!validate) return err(`unknown format: ${(f as NamedFormat).name}`);
        const errs = validate(s as string);
        return errs.length ? CelOptional.of(errs as Value[]) : CelOptional.none;
      }),
    ),
  ],
};
