// Every regular expression CEL evaluates goes through RE2 (re2js, a pure-JavaScript port): matching
// takes time linear in the input, so no pattern can hold a process (JavaScript's backtracking
// engine took 71 s for a 30-character input to `(a+)+$`). Compiled patterns are kept in a small cache.
import { RE2JS } from 're2js';
import { CelError } from './values.js';

const CACHE_SIZE = 256;
const cache = new Map<string, RE2JS>();

/** The compiled pattern, or Go's regexp error (`error parsing regexp: missing closing ): ...`). */
export function compileRegex(pattern: string): RE2JS | CelError {
  const hit = cache.get(pattern);
  if (hit) {
    cache.delete(pattern);
    cache.set(pattern, hit);
    return hit;
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (e) {
    return new CelError(e instanceof Error ? e.message : String(e));
  }
  cache.set(pattern, re);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return re;
}

/** The leftmost match of a pattern in a string and its position (code units), or undefined. */
export function findAll(re: RE2JS, s: string, limit = -1): string[] {
  const out: string[] = [];
  if (limit === 0) return out;
  for (const m of re.matchAll(s)) {
    out.push(m[0]);
    if (limit > 0 && out.length >= limit) break;
  }
  return out;
}
