// The JSONPath of a CRD's additionalPrinterColumns, as kube's table convertor evaluates it (client-go's
// jsonpath, `{<path>}` with missing keys allowed): fields (`.a.b`, `['a.b']`), indexes (`[0]`, `[-1]`),
// wildcards (`[*]`, `.*`) and filters comparing a field with a literal (`[?(@.type=="Ready")]`).
// Anything a path cannot reach yields no value, never an error.

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'all' }
  | { kind: 'filter'; path: string[]; op: '==' | '!='; value: unknown };

const FIELD = /^\.([^.[\]]+)/;
const QUOTED = /^\[\s*'([^']*)'\s*\]/;
const INDEX = /^\[\s*(-?\d+)\s*\]/;
const ALL = /^(\[\s*\*\s*\]|\.\*)/;
const FILTER = /^\[\s*\?\(\s*@((?:\.[^.=!\s)]+)+)\s*(==|!=)\s*(?:"([^"]*)"|'([^']*)'|(-?\d+(?:\.\d+)?)|(true|false))\s*\)\s*\]/;

/** The steps of a path, or undefined when kapi cannot read it (the column then stays empty). */
export function parseJsonPath(path: string): Step[] | undefined {
  const steps: Step[] = [];
  let rest = path.trim().replace(/^\{(.*)\}$/, '$1').replace(/^\$/, '');
  while (rest.length) {
    let m: RegExpExecArray | null;
    if ((m = ALL.exec(rest))) steps.push({ kind: 'all' });
    else if ((m = FIELD.exec(rest))) steps.push({ kind: 'field', name: m[1] });
    else if ((m = QUOTED.exec(rest))) steps.push({ kind: 'field', name: m[1] });
    else if ((m = INDEX.exec(rest))) steps.push({ kind: 'index', index: Number(m[1]) });
    else if ((m = FILTER.exec(rest))) {
      const literal = m[3] ?? m[4] ?? (m[5] !== undefined ? Number(m[5]) : m[6] === 'true');
      steps.push({ kind: 'filter', path: m[1].slice(1).split('.'), op: m[2] as '==' | '!=', value: literal });
    } else return undefined;
    rest = rest.slice(m[0].length);
  }
  return steps;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function fieldOf(value: unknown, path: string[]): unknown {
  let current = value;
  for (const name of path) {
    if (!isObject(current) || !Object.hasOwn(current, name)) return undefined;
    current = current[name];
  }
  return current;
}

/** Every value the path reaches in `obj`, in order. */
export function evaluateJsonPath(steps: Step[], obj: unknown): unknown[] {
  let values: unknown[] = [obj];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of values) {
      if (step.kind === 'field') {
        if (isObject(v) && Object.hasOwn(v, step.name)) next.push(v[step.name]);
      } else if (step.kind === 'index') {
        if (Array.isArray(v)) {
          const i = step.index < 0 ? v.length + step.index : step.index;
          if (i >= 0 && i < v.length) next.push(v[i]);
        }
      } else if (step.kind === 'all') {
        if (Array.isArray(v)) next.push(...v);
        else if (isObject(v)) next.push(...Object.keys(v).sort().map((k) => v[k]));
      } else {
        const items = Array.isArray(v) ? v : isObject(v) ? [v] : [];
        for (const item of items) {
          const found = fieldOf(item, step.path);
          if (found === undefined) continue;
          if ((found === step.value) === (step.op === '==')) next.push(item);
        }
      }
    }
    values = next;
  }
  return values;
}
