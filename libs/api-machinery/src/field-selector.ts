// Field selectors (`?fieldSelector=`): exact (=, ==) and inequality (!=) on a fixed set of fields per
// kind. Which fields a kind supports is the kind's business; this file only parses and matches.
// A backslash escapes `\`, `,` and `=` inside values; terms are separated by unescaped commas and
// empty terms are skipped, as kube-apiserver reads them.
import { badRequest } from './errors.js';

export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

export interface FieldSelector {
  requirements: FieldRequirement[];
  matches(fields: Record<string, string>): boolean;
  isEmpty(): boolean;
  /** The value the selector pins a field to, e.g. `metadata.name` for `kubectl wait`. */
  exactValue(field: string): string | undefined;
}

/** Splits on commas that are not escaped; escapes stay in place for the value to undo. */
function splitTerms(input: string): string[] {
  const terms: string[] = [];
  let current = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch === '\\' && i + 1 < input.length) {
      current += ch + input[++i];
    } else if (ch === ',') {
      terms.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  terms.push(current);
  return terms;
}

const OPERATORS = ['!=', '==', '='] as const;

/** The first unescaped operator splits a term into field and value. */
function splitTerm(term: string): { field: string; operator: '=' | '!='; rawValue: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    if (term[i] === '\\') {
      i++;
      continue;
    }
    for (const op of OPERATORS) {
      if (term.startsWith(op, i)) return { field: term.slice(0, i), operator: op === '!=' ? '!=' : '=', rawValue: term.slice(i + op.length) };
    }
  }
  return undefined;
}

function unescapeValue(raw: string, selector: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if (ch === '\\') {
      const next = raw[i + 1];
      if (next !== '\\' && next !== ',' && next !== '=') throw badRequest(`invalid field selector: '${selector}': invalid escape sequence in value ${JSON.stringify(raw)}`);
      out += next;
      i++;
    } else if (ch === ',' || ch === '=') {
      throw badRequest(`invalid field selector: '${selector}': unescaped ${ch} in value ${JSON.stringify(raw)}`);
    } else {
      out += ch;
    }
  }
  return out;
}

export function parseFieldSelector(input: string | undefined): FieldSelector {
  const text = (input ?? '').trim();
  const requirements: FieldRequirement[] = [];
  for (const term of text ? splitTerms(text) : []) {
    if (term === '') continue;
    const parts = splitTerm(term);
    if (!parts || parts.field === '') throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    requirements.push({ field: parts.field.trim(), operator: parts.operator, value: unescapeValue(parts.rawValue.trim(), text) });
  }
  return {
    requirements,
    matches: (fields) =>
      requirements.every((r) => (r.operator === '=' ? fields[r.field] === r.value : fields[r.field] !== r.value)),
    isEmpty: () => requirements.length === 0,
    exactValue: (f) => requirements.find((r) => r.field === f && r.operator === '=')?.value,
  };
}
