// The diff kube appends to "may not change" errors. kube prints a Go cmp.Diff of the whole spec; this
// lists the top-level fields that differ, `-` before and `+` after, in the same frame.
import { deepEqual } from '@kapi/api-machinery';

export function specDiff(typeName: string, before: object, after: object): string {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const lines: string[] = [];
  for (const k of keys) {
    const a = (before as Record<string, unknown>)[k];
    const b = (after as Record<string, unknown>)[k];
    if (deepEqual(a, b)) continue;
    if (a !== undefined) lines.push(`  - \t${k}: ${JSON.stringify(a)},`);
    if (b !== undefined) lines.push(`  + \t${k}: ${JSON.stringify(b)},`);
  }
  return `  ${typeName}{\n${lines.join('\n')}\n  }\n`;
}
