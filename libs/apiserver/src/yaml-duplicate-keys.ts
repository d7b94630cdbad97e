// Duplicate keys in a YAML body. kube-apiserver reads YAML leniently (the last value of a key wins) and
// reports each repeated key as fieldValidation asks, in goyaml's words: `line 7: key "a" already set
// in map`. js-yaml stops at the first repeated key, so the body is read again with that key renamed
// for each one found; the reading is bounded so a body of many repeats costs a few parses, not one
// per repeat.
import { CORE_SCHEMA, load as loadYaml, YAMLException } from 'js-yaml';

/** How many bytes of YAML the search may read in all, repeats included (a few readings of a 3 MiB body). */
const SEARCH_BUDGET_BYTES = 8 * 1024 * 1024;
const DUPLICATE = 'duplicated mapping key';

/** The end of the key token that starts at `start`: a quoted scalar, or a plain one up to its `:`. */
function keyEnd(text: string, start: number): number {
  const quote = text[start];
  if (quote === '"') {
    for (let i = start + 1; i < text.length; i++) {
      if (text[i] === '\\') i++;
      else if (text[i] === '"') return i + 1;
    }
    return text.length;
  }
  if (quote === "'") {
    for (let i = start + 1; i < text.length; i++) {
      if (text[i] === "'" && text[i + 1] === "'") i++;
      else if (text[i] === "'") return i + 1;
    }
    return text.length;
  }
  // A plain key may hold a colon; the one that ends it is followed by a space, a line end or a flow indicator.
  for (let i = start; i < text.length; i++) {
    if (text[i] === '\n' || (text[i] === ':' && (i + 1 >= text.length || ' \t\r\n,}]'.includes(text[i + 1])))) return i;
  }
  return text.length;
}

/** The key as goyaml prints it (%#v): a string quoted, anything else as it reads. */
function goKey(token: string): string {
  let value: unknown;
  try {
    value = loadYaml(token, { schema: CORE_SCHEMA });
  } catch {
    value = token;
  }
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** Each repeated key of the document, in order: `line <n>: key "<key>" already set in map`. */
export function yamlDuplicateKeys(text: string): string[] {
  const found: string[] = [];
  let budget = SEARCH_BUDGET_BYTES;
  let current = text;
  while (budget >= current.length) {
    budget -= current.length;
    try {
      loadYaml(current, { schema: CORE_SCHEMA });
      return found;
    } catch (err) {
      if (!(err instanceof YAMLException) || err.reason !== DUPLICATE || !err.mark) return found;
      const start = err.mark.position;
      const end = keyEnd(current, start);
      if (end <= start) return found;
      found.push(`line ${err.mark.line + 1}: key ${goKey(current.slice(start, end))} already set in map`);
      // A key no document has, on the same line, so the lines of later repeats stay as they were.
      current = `${current.slice(0, start)}"kapi duplicate ${found.length}"${current.slice(end)}`;
    }
  }
  return found;
}
