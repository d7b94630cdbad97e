// JSON with its duplicates kept: JSON.parse keeps the last of two equal keys silently, while
// kube-apiserver reports `duplicate field "x"` under fieldValidation. Objects parse to Entries, the
// list of their key/value pairs in document order.
export class Entries {
  constructor(readonly pairs: [string, unknown][]) {}
}

/** Parses JSON text (already known to be valid) into arrays, primitives and Entries. */
export function parseJsonEntries(text: string): unknown {
  let pos = 0;
  const space = () => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos])) pos++;
  };
  const scalar = (re: RegExp): unknown => {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) throw new SyntaxError(`unexpected character at ${pos}`);
    pos += m[0].length;
    return JSON.parse(m[0]);
  };
  const STRING = /"(?:[^"\\]|\\.)*"/y;
  const OTHER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
  const value = (): unknown => {
    space();
    if (text[pos] === '{') {
      pos++;
      const pairs: [string, unknown][] = [];
      space();
      if (text[pos] === '}') return pos++, new Entries(pairs);
      for (;;) {
        space();
        const key = scalar(STRING) as string;
        space();
        pos++; // ':'
        pairs.push([key, value()]);
        space();
        if (text[pos++] === '}') return new Entries(pairs);
      }
    }
    if (text[pos] === '[') {
      pos++;
      const items: unknown[] = [];
      space();
      if (text[pos] === ']') return pos++, items;
      for (;;) {
        items.push(value());
        space();
        if (text[pos++] === ']') return items;
      }
    }
    return text[pos] === '"' ? scalar(STRING) : scalar(OTHER);
  };
  return value();
}
