// Property names as CEL sees them (k8s.io/apiserver/pkg/cel escaping.go): a name that is a CEL
// reserved word becomes `__name__`, and `__`, `.`, `-` and `/` inside a name become `__underscores__`,
// `__dot__`, `__dash__` and `__slash__`; a name with any other character (or starting with a digit)
// cannot be reached from CEL at all.

const RESERVED = new Set([
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package',
  'namespace', 'return', 'var', 'void', 'while',
]);

/** The CEL name of a property, or undefined when it has none. */
export function escapeName(ident: string): string | undefined {
  if (!ident || /^[0-9]/.test(ident)) return undefined;
  if (RESERVED.has(ident)) return `__${ident}__`;
  if (!/^[a-zA-Z0-9_\-./]*$/.test(ident)) return undefined;
  return ident.replace(/__|[-./]/g, (s) => ({ __: '__underscores__', '.': '__dot__', '-': '__dash__', '/': '__slash__' })[s]!);
}

/** The property a CEL name stands for, or undefined when it stands for none. */
export function unescapeName(escaped: string): string | undefined {
  let ok = true;
  const out = escaped.replace(/__[^_]+__/g, (s) => {
    const inner = s.slice(2, -2);
    const mapped = ({ underscores: '__', dot: '.', dash: '-', slash: '/' } as Record<string, string>)[inner];
    if (mapped !== undefined) return mapped;
    if (RESERVED.has(inner)) {
      if (s.length !== escaped.length) ok = false;
      return inner;
    }
    ok = false;
    return '';
  });
  return ok ? out : undefined;
}
