// Label selectors in the string form of `?labelSelector=` (k8s.io/apimachinery/pkg/labels): equality,
// inequality, set-based (in, notin), existence, and the numeric gt/lt operators.
import { badRequest } from './errors.js';
import { isLabelValue, isQualifiedName } from './names.js';

export type LabelOperator = '=' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

export interface LabelSelector {
  requirements: LabelRequirement[];
  matches(labels: Record<string, string> | undefined): boolean;
  isEmpty(): boolean;
}

function requirementMatches(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = labels[r.key];
  switch (r.operator) {
    case '=':
    case 'in':
      return has && r.values.includes(value);
    case '!=':
    case 'notin':
      return !has || !r.values.includes(value);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      // Only a whole number in decimal compares, as strconv.ParseInt reads it.
      if (!has || !/^[+-]?\d+$/.test(value)) return false;
      const n = Number(value);
      const bound = Number(r.values[0]);
      return r.operator === 'gt' ? n > bound : n < bound;
    }
  }
}

function selectorOf(requirements: LabelRequirement[]): LabelSelector {
  return {
    requirements,
    matches: (labels) => requirements.every((r) => requirementMatches(r, labels ?? {})),
    isEmpty: () => requirements.length === 0,
  };
}

export const everything: LabelSelector = selectorOf([]);

/** Splits on commas that are not inside a parenthesised value set. */
function splitTopLevel(input: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of input) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

const KEY = '[A-Za-z0-9][-A-Za-z0-9_./]*';

export function parseLabelSelector(input: string | undefined): LabelSelector {
  const text = (input ?? '').trim();
  if (!text) return everything;
  const requirements: LabelRequirement[] = [];
  for (const raw of splitTopLevel(text)) {
    const part = raw.trim();
    let m: RegExpMatchArray | null;
    if ((m = part.match(new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^)]*)\\)$`)))) {
      // `()` is the set holding the empty value.
      const values = m[3].split(',').map((v) => v.trim());
      requirements.push({ key: m[1], operator: m[2] as 'in' | 'notin', values });
    } else if ((m = part.match(new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*([-A-Za-z0-9_.]*)$`)))) {
      requirements.push({ key: m[1], operator: m[2] === '!=' ? '!=' : '=', values: [m[3]] });
    } else if ((m = part.match(new RegExp(`^(${KEY})\\s*(>|<)\\s*(-?\\d+)$`)))) {
      requirements.push({ key: m[1], operator: m[2] === '>' ? 'gt' : 'lt', values: [m[3]] });
    } else if ((m = part.match(new RegExp(`^!\\s*(${KEY})$`)))) {
      requirements.push({ key: m[1], operator: '!', values: [] });
    } else if ((m = part.match(new RegExp(`^(${KEY})$`)))) {
      requirements.push({ key: m[1], operator: 'exists', values: [] });
    } else {
      throw badRequest(`unable to parse requirement: found '${part}', expected: identifier`);
    }
  }
  for (const r of requirements) {
    const keyErrors = isQualifiedName(r.key);
    if (keyErrors.length) throw badRequest(`unable to parse requirement: key: Invalid value: ${JSON.stringify(r.key)}: ${keyErrors.join('; ')}`);
    if (r.operator === 'gt' || r.operator === 'lt') continue;
    r.values.forEach((v, i) => {
      const valueErrors = isLabelValue(v);
      if (valueErrors.length) throw badRequest(`unable to parse requirement: values[${i}][${r.key}]: Invalid value: ${JSON.stringify(v)}: ${valueErrors.join('; ')}`);
    });
  }
  return selectorOf(requirements);
}
