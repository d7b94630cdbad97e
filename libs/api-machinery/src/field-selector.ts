// Field selectors (`?fieldSelector=`): exact (=, ==) and inequality (!=) on a fixed set of fields per
// kind. Which fields a kind supports is the kind's business; this file only parses and matches.
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

function unescapeValue(v: string): string {
  return v.replace(/\\(.)/g, '$1');
}

export function parseFieldSelector(input: string | undefined): FieldSelector {
  const text = (input ?? '').trim();
  const requirements: FieldRequirement[] = [];
  if (text) {
    // Commas and operators inside values are escaped with a backslash.
    for (const part of text.split(/(?<!\\),/)) {
      const m = part.trim().match(/^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/);
      if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
      requirements.push({ field: m[1], operator: m[2] === '!=' ? '!=' : '=', value: unescapeValue(m[3]) });
    }
  }
  return {
    requirements,
    matches: (fields) =>
      requirements.every((r) => (r.operator === '=' ? fields[r.field] === r.value : fields[r.field] !== r.value)),
    isEmpty: () => requirements.length === 0,
    exactValue: (f) => requirements.find((r) => r.field === f && r.operator === '=')?.value,
  };
}
