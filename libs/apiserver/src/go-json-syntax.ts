// The syntax error Go's encoding/json gives for a body that is not JSON, so that kapi's 400s read as
// kube-apiserver's do (`invalid character 'a' looking for beginning of value`). It follows the states
// of Go's scanner byte by byte; only the message is wanted, since JSON.parse has already refused the
// body by then.

/** Go's maxNestingDepth. */
const MAX_DEPTH = 10_000;

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

const SHORT_ESCAPES: Record<number, string> = { 0x07: '\\a', 0x08: '\\b', 0x0c: '\\f', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x0b: '\\v', 0x5c: '\\\\' };

/** Go's quoteChar: the byte as a rune, quoted as strconv.Quote would, between single quotes. */
export function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return `'"'`;
  if (SHORT_ESCAPES[c]) return `'${SHORT_ESCAPES[c]}'`;
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, '0')}'`;
  // U+0080–U+00A0 and the soft hyphen are not printable for Go; the rest of Latin-1 is.
  if (c >= 0x80 && (c <= 0xa0 || c === 0xad)) return `'\\u00${c.toString(16).padStart(2, '0')}'`;
  return `'${String.fromCharCode(c)}'`;
}

type Step = (c: number) => string | undefined;
type Container = 'key' | 'value' | 'array';

/** Go's checkValid: the message of the first syntax error in `data`, or undefined when it is valid JSON. */
export function goJsonSyntaxError(data: Uint8Array): string | undefined {
  const stack: Container[] = [];
  let endTop = false;
  const invalid = (c: number, context: string) => `invalid character ${quoteChar(c)} ${context}`;

  const push = (c: number, container: Container, next: Step): string | undefined => {
    stack.push(container);
    step = next;
    return stack.length > MAX_DEPTH ? invalid(c, 'exceeded max depth') : undefined;
  };
  const literal = (rest: string, name: string): Step => {
    let i = 0;
    const expecting: Step = (c) => {
      if (c !== rest.charCodeAt(i)) return invalid(c, `in literal ${name} (expecting '${rest[i]}')`);
      i++;
      if (i === rest.length) step = endValue;
      return undefined;
    };
    return expecting;
  };

  const beginValue: Step = (c) => {
    if (isSpace(c)) return undefined;
    if (c === 0x7b) return push(c, 'key', beginStringOrEmpty);
    if (c === 0x5b) return push(c, 'array', beginValueOrEmpty);
    if (c === 0x22) return void (step = inString);
    if (c === 0x2d) return void (step = negative);
    if (c === 0x30) return void (step = zero);
    if (c === 0x74) return void (step = literal('rue', 'true'));
    if (c === 0x66) return void (step = literal('alse', 'false'));
    if (c === 0x6e) return void (step = literal('ull', 'null'));
    if (c >= 0x31 && c <= 0x39) return void (step = digits);
    return invalid(c, 'looking for beginning of value');
  };
  const beginValueOrEmpty: Step = (c) => (isSpace(c) ? undefined : c === 0x5d ? endValue(c) : beginValue(c));
  const beginStringOrEmpty: Step = (c) => {
    if (isSpace(c)) return undefined;
    if (c === 0x7d) {
      stack[stack.length - 1] = 'value';
      return endValue(c);
    }
    return beginString(c);
  };
  const beginString: Step = (c) => {
    if (isSpace(c)) return undefined;
    if (c === 0x22) return void (step = inString);
    return invalid(c, 'looking for beginning of object key string');
  };
  const endTopStep: Step = (c) => (isSpace(c) ? undefined : invalid(c, 'after top-level value'));
  const endValue: Step = (c) => {
    if (stack.length === 0) {
      endTop = true;
      step = endTopStep;
      return endTopStep(c);
    }
    if (isSpace(c)) return void (step = endValue);
    const top = stack[stack.length - 1];
    if (top === 'key') {
      if (c === 0x3a) {
        stack[stack.length - 1] = 'value';
        return void (step = beginValue);
      }
      return invalid(c, 'after object key');
    }
    if (top === 'value') {
      if (c === 0x2c) {
        stack[stack.length - 1] = 'key';
        return void (step = beginString);
      }
      if (c === 0x7d) return void (stack.pop(), (step = endValue));
      return invalid(c, 'after object key:value pair');
    }
    if (c === 0x2c) return void (step = beginValue);
    if (c === 0x5d) return void (stack.pop(), (step = endValue));
    return invalid(c, 'after array element');
  };
  const inString: Step = (c) => {
    if (c === 0x22) return void (step = endValue);
    if (c === 0x5c) return void (step = inStringEscape);
    return c < 0x20 ? invalid(c, 'in string literal') : undefined;
  };
  const inStringEscape: Step = (c) => {
    if ('bfnrt\\/"'.includes(String.fromCharCode(c))) return void (step = inString);
    if (c === 0x75) return void (step = hexDigits(4));
    return invalid(c, 'in string escape code');
  };
  const hexDigits =
    (left: number): Step =>
    (c) => {
      if (!isHex(c)) return invalid(c, 'in \\u hexadecimal character escape');
      step = left > 1 ? hexDigits(left - 1) : inString;
      return undefined;
    };
  const negative: Step = (c) => {
    if (c === 0x30) return void (step = zero);
    if (c >= 0x31 && c <= 0x39) return void (step = digits);
    return invalid(c, 'in numeric literal');
  };
  const digits: Step = (c) => (isDigit(c) ? undefined : zero(c));
  const zero: Step = (c) => {
    if (c === 0x2e) return void (step = dot);
    if (c === 0x65 || c === 0x45) return void (step = exponent);
    return endValue(c);
  };
  const dot: Step = (c) => (isDigit(c) ? void (step = fraction) : invalid(c, 'after decimal point in numeric literal'));
  const fraction: Step = (c) => {
    if (isDigit(c)) return undefined;
    if (c === 0x65 || c === 0x45) return void (step = exponent);
    return endValue(c);
  };
  const exponent: Step = (c) => (c === 0x2b || c === 0x2d ? void (step = exponentSign) : exponentSign(c));
  const exponentSign: Step = (c) => (isDigit(c) ? void (step = exponentDigits) : invalid(c, 'in exponent of numeric literal'));
  const exponentDigits: Step = (c) => (isDigit(c) ? undefined : endValue(c));

  let step: Step = beginValue;
  for (const c of data) {
    const error = step(c);
    if (error) return error;
  }
  if (endTop) return undefined;
  // Go feeds a space at the end: a number at the top level ends there.
  const error = step(0x20);
  if (error) return error;
  return endTop ? undefined : 'unexpected end of JSON input';
}
