// `pattern` as kube checks it: Go's regexp, which is RE2, so a pattern runs in time linear in its
// input whatever it says (no backtracking to exploit), and an invalid one fails with Go's message.
import { compileRegex } from '@kapi/cel';
import type { RE2JS } from 're2js';

/** The compiled pattern, or Go's error for it (`error parsing regexp: missing closing ): ...`). */
export function compilePattern(pattern: string): RE2JS | string {
  const re = compileRegex(pattern);
  return 'message' in re ? re.message : re;
}
