// Kubernetes' regex library (k8s.io/apiserver/pkg/cel/library/regex.go): find and findAll, with
// RE2 semantics like every other regular expression in kapi's CEL.
import { type Library } from '../functions.js';
import { compileRegex, findAll } from '../regex.js';
import { fn, member, regexCost, regexEstimate } from '../stdlib.js';
import { T } from '../types.js';
import { isError, type Result, type Value } from '../values.js';

function find(s: string, pattern: string): Result {
  const re = compileRegex(pattern);
  if (isError(re)) return re;
  return findAll(re, s, 1)[0] ?? '';
}

function all(s: string, pattern: string, limit: bigint): Result {
  const re = compileRegex(pattern);
  if (isError(re)) return re;
  return findAll(re, s, Number(limit));
}

const sized = { cost: regexCost, estimate: (args: Parameters<typeof regexEstimate>[0]) => ({ ...regexEstimate(args), resultSize: { min: 0, max: args[0].size.max } }) };

export const regexLibrary: Library = {
  name: 'regex',
  functions: [
    fn('find', member('string_find_string', [T.string, T.string], T.string, ([s, p]) => find(s as string, p as string), sized)),
    fn(
      'findAll',
      member('string_find_all_string', [T.string, T.string], T.list(T.string), ([s, p]) => all(s as string, p as string, -1n), sized),
      member('string_find_all_string_int', [T.string, T.string, T.int], T.list(T.string), ([s, p, n]) => all(s as string, p as string, n as bigint), sized),
    ),
  ],
};

export type { Value };
