// A rule's `fieldPath` (kube's ValidFieldPath): a JSON path of `.name` and `['name']` steps from the
// rule's schema, each naming a property (or a key of a map), normalized to a field path
// (`.spec['a.b']` → `spec[a.b]` under additionalProperties) that a failing rule reports at.
import type { Structural } from '../structural.js';

export type FieldPathResult = { path: string | null; schema: Structural } | { error: string };

const DELIMITERS = new Set(['.', '[', ']']);

/** The tokens of a JSON path: delimiters, names, and single-quoted strings (kube's scanner split). */
function tokenize(jsonPath: string): string[] {
  const tokens: string[] = [];
  let data = jsonPath;
  while (data.length) {
    let token: string | undefined;
    if (data[0] === "'") {
      for (let i = 1; i < data.length; i++) {
        if (data[i] === "'" && data[i - 1] !== '\\') {
          token = data.slice(0, i + 1);
          break;
        }
      }
      token ??= data;
    } else {
      for (let i = 0; i < data.length; i++) {
        if (DELIMITERS.has(data[i])) {
          token = i === 0 ? data[0] : data.slice(0, i);
          break;
        }
      }
      token ??= data;
    }
    tokens.push(token);
    data = data.slice(token.length);
  }
  return tokens;
}

const ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', "'": "'", '\\': '\\' };

function unescapeSingleQuote(s: string): string | { error: string } {
  let error: string | undefined;
  const out = s.replace(/\\[\s\S]/g, (m) => {
    const mapped = ESCAPES[m[1]];
    if (mapped === undefined) {
      error = `invalid escape char ${m}`;
      return '';
    }
    return mapped;
  });
  return error ? { error } : out;
}

/** The normalized field path a rule's fieldPath names from a schema, and the schema there; or why it is not valid. */
export function validFieldPath(jsonPath: string, schema: Structural, allowArrayNotation = true): FieldPathResult {
  let path: string | null = null;
  let current: Structural | undefined = schema;
  const append = (name: string): string | undefined => {
    if (current?.properties) {
      path = path === null ? name : `${path}.${name}`;
      current = current.properties[name];
      if (!current) return 'does not refer to a valid field';
    } else if (current?.additionalProperties) {
      path = `${path ?? ''}[${name}]`;
      current = current.additionalProperties.structural;
    } else return 'does not refer to a valid field';
    return undefined;
  };
  const tokens = tokenize(jsonPath);
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    if (tok === '[') {
      if (!allowArrayNotation) return { error: 'array notation is not allowed' };
      const quoted = tokens[++i];
      if (quoted === undefined) return { error: 'unexpected end of JSON path' };
      if (quoted.length < 2 || quoted[0] !== "'" || quoted[quoted.length - 1] !== "'") return { error: `expected single quoted string but got ${quoted}` };
      const name = unescapeSingleQuote(quoted.slice(1, -1));
      if (typeof name !== 'string') return { error: `invalid string literal: ${name.error}` };
      const problem = append(name);
      if (problem) return { error: problem };
      const close = tokens[++i];
      if (close === undefined) return { error: 'unexpected end of JSON path' };
      if (close !== ']') return { error: `expected ] but got ${close}` };
    } else if (tok === '.') {
      const name = tokens[++i];
      if (name === undefined) return { error: 'unexpected end of JSON path' };
      const problem = append(name);
      if (problem) return { error: problem };
    } else return { error: `expected [ or . but got: ${tok}` };
  }
  return { path, schema: current ?? schema };
}
