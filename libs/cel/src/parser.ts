// CEL's grammar (cel-spec's langdef) as a recursive-descent parser, with cel-go's macros expanded as
// it parses: `has`, `all`, `exists`, `exists_one`, `map`, `filter`, the two-variable comprehensions
// (`all(k, v, p)`, `transformList`, `transformMap`, `transformMapEntry`, …) and the optional macros
// (`optMap`, `optFlatMap`). Operators become calls with cel-go's function names.
import { ACCUMULATOR, type CallExpr, type Expr, type MapEntry, type StructField } from './ast.js';
import { Issues } from './errors.js';
import { CelBytes, CelUint, INT64_MAX, UINT64_MAX, type Value } from './values.js';

type TokenKind = 'ident' | 'int' | 'uint' | 'double' | 'string' | 'bytes' | 'op' | 'eof';

interface Token {
  kind: TokenKind;
  text: string;
  value?: Value;
  offset: number;
}

const RESERVED = new Set(['as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);
const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '+', '-', '*', '/', '%', '!', '?', ':', '.', ',', '(', ')', '[', ']', '{', '}'];

export interface ParseLimits {
  /** cel-go's default maximum recursion depth of the parser. */
  maxDepth: number;
  /** Kubernetes bounds an expression's source size elsewhere; this bounds what the parser builds. */
  maxNodes: number;
}

const DEFAULT_LIMITS: ParseLimits = { maxDepth: 250, maxNodes: 100_000 };

class SyntaxError_ extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

function lex(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (at: number, message: string): never => {
    throw new SyntaxError_(at, message);
  };
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    const start = i;
    // String and bytes literals, with r (raw) and b (bytes) prefixes in either order.
    const prefix = /^(?:[rR][bB]?|[bB][rR]?)?(?=["'])/.exec(src.slice(i, i + 3));
    if (prefix) {
      const p = prefix[0].toLowerCase();
      i += p.length;
      const raw = p.includes('r');
      const bytes = p.includes('b');
      const quote = src.startsWith(src[i].repeat(3), i) ? src[i].repeat(3) : src[i];
      i += quote.length;
      const units: number[] = []; // code points, or bytes for \x and octal escapes in bytes literals
      const byteUnits: boolean[] = [];
      for (;;) {
        if (i >= src.length) fail(start, `Syntax error: token recognition error at: '${src.slice(start, Math.min(src.length, start + 10))}'`);
        if (src.startsWith(quote, i)) {
          i += quote.length;
          break;
        }
        const ch = src[i];
        if (quote.length === 1 && (ch === '\n' || ch === '\r')) fail(start, `Syntax error: token recognition error at: '${src.slice(start, i)}'`);
        if (ch === '\\' && !raw) {
          const e = src[i + 1];
          const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, "'": 39, '"': 34, '`': 96, '?': 63 };
          if (e !== undefined && e in simple) {
            units.push(simple[e]);
            byteUnits.push(false);
            i += 2;
          } else if (e === 'x' || e === 'X') {
            const h = src.slice(i + 2, i + 4);
            if (!/^[0-9a-fA-F]{2}$/.test(h)) fail(i, `Syntax error: token recognition error at: '${src.slice(start, i + 2)}'`);
            units.push(parseInt(h, 16));
            byteUnits.push(bytes);
            i += 4;
          } else if (e === 'u' || e === 'U') {
            const n = e === 'u' ? 4 : 8;
            const h = src.slice(i + 2, i + 2 + n);
            if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) fail(i, `Syntax error: token recognition error at: '${src.slice(start, i + 2)}'`);
            const cp = parseInt(h, 16);
            if (bytes) fail(i, 'Syntax error: unicode escapes are not allowed in bytes literals');
            if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) fail(i, 'Syntax error: invalid unicode code point');
            units.push(cp);
            byteUnits.push(false);
            i += 2 + n;
          } else if (e !== undefined && /[0-3]/.test(e)) {
            const o = src.slice(i + 1, i + 4);
            if (!/^[0-3][0-7]{2}$/.test(o)) fail(i, `Syntax error: token recognition error at: '${src.slice(start, i + 2)}'`);
            units.push(parseInt(o, 8));
            byteUnits.push(bytes);
            i += 4;
          } else {
            fail(i, `Syntax error: token recognition error at: '${src.slice(start, i + 2)}'`);
          }
          continue;
        }
        const cp = src.codePointAt(i)!;
        units.push(cp);
        byteUnits.push(false);
        i += cp > 0xffff ? 2 : 1;
      }
      let value: Value;
      if (bytes) {
        const out: number[] = [];
        units.forEach((u, k) => {
          if (byteUnits[k]) out.push(u);
          else out.push(...new TextEncoder().encode(String.fromCodePoint(u)));
        });
        value = new CelBytes(Uint8Array.from(out));
      } else {
        value = String.fromCodePoint(...units);
      }
      tokens.push({ kind: bytes ? 'bytes' : 'string', text: src.slice(start, i), value, offset: start });
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const hex = /^0[xX][0-9a-fA-F]+[uU]?/.exec(src.slice(i));
      if (hex) {
        i += hex[0].length;
        const unsigned = /[uU]$/.test(hex[0]);
        const n = BigInt(hex[0].replace(/[uU]$/, ''));
        tokens.push(numberToken(unsigned ? 'uint' : 'int', hex[0], n, start));
        continue;
      }
      const num = /^(?:[0-9]*\.[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+|[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)/.exec(src.slice(i))!;
      let text = num[0];
      if (/[.eE]/.test(text)) {
        i += text.length;
        tokens.push({ kind: 'double', text, value: Number(text), offset: start });
        continue;
      }
      i += text.length;
      if (src[i] === 'u' || src[i] === 'U') {
        i++;
        text += 'u';
        tokens.push(numberToken('uint', text, BigInt(text.slice(0, -1)), start));
      } else {
        tokens.push(numberToken('int', text, BigInt(text), start));
      }
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      i += m[0].length;
      tokens.push({ kind: 'ident', text: m[0], offset: start });
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) fail(start, `Syntax error: token recognition error at: '${src[i]}'`);
    i += op!.length;
    tokens.push({ kind: 'op', text: op!, offset: start });
  }
  tokens.push({ kind: 'eof', text: '<EOF>', offset: src.length });
  return tokens;
}

function numberToken(kind: 'int' | 'uint', text: string, n: bigint, offset: number): Token {
  // An int's range is checked when it is known whether a minus sign precedes it.
  if (kind === 'uint' && n > UINT64_MAX) throw new SyntaxError_(offset, `invalid uint literal`);
  return { kind, text, value: kind === 'uint' ? new CelUint(n) : n, offset };
}

/** Parses an expression; syntax errors are returned as issues in cel-go's format. */
export function parse(source: string, limits: ParseLimits = DEFAULT_LIMITS): { expr?: Expr; issues: Issues } {
  const issues = new Issues(source);
  let tokens: Token[];
  try {
    tokens = lex(source);
  } catch (e) {
    if (e instanceof SyntaxError_) {
      issues.add(e.offset, e.message);
      return { issues };
    }
    throw e;
  }
  const p = new Parser(tokens, limits);
  try {
    const expr = p.parseExpr();
    p.expectEnd();
    return { expr, issues };
  } catch (e) {
    if (e instanceof SyntaxError_) {
      issues.add(e.offset, e.message);
      return { issues };
    }
    throw e;
  }
}

class Parser {
  private pos = 0;
  private nextId = 1;
  private depth = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly limits: ParseLimits,
  ) {}

  private get tok(): Token {
    return this.tokens[this.pos];
  }

  private is(text: string): boolean {
    return this.tok.kind === 'op' && this.tok.text === text;
  }

  private isIdent(text: string): boolean {
    return this.tok.kind === 'ident' && this.tok.text === text;
  }

  private take(): Token {
    const t = this.tok;
    if (t.kind !== 'eof') this.pos++;
    return t;
  }

  private expect(text: string): Token {
    if (!this.is(text)) throw new SyntaxError_(this.tok.offset, `Syntax error: mismatched input '${this.tok.text}' expecting '${text}'`);
    return this.take();
  }

  expectEnd(): void {
    if (this.tok.kind !== 'eof') throw new SyntaxError_(this.tok.offset, `Syntax error: mismatched input '${this.tok.text}' expecting <EOF>`);
  }

  private id(): number {
    if (this.nextId > this.limits.maxNodes) throw new SyntaxError_(this.tok.offset, `expression too large: more than ${this.limits.maxNodes} nodes`);
    return this.nextId++;
  }

  private call(offset: number, fn: string, args: Expr[], target?: Expr): CallExpr {
    return target ? { kind: 'call', id: this.id(), offset, fn, target, args } : { kind: 'call', id: this.id(), offset, fn, args };
  }

  private enter(): void {
    if (++this.depth > this.limits.maxDepth) throw new SyntaxError_(-1, `expression recursion limit exceeded: ${this.limits.maxDepth}`);
  }

  /**
   * A chain of operators or member accesses builds a tree as deep as the chain is long; cel-go
   * refuses one deeper than its limit, as its visitor would recurse that deep.
   */
  private chain(length: number): void {
    if (this.depth + length > this.limits.maxDepth) throw new SyntaxError_(-1, 'max recursion depth exceeded');
  }

  private leave(): void {
    this.depth--;
  }

  parseExpr(): Expr {
    this.enter();
    try {
      const cond = this.parseOr();
      if (!this.is('?')) return cond;
      const q = this.take();
      const t = this.parseOr();
      this.expect(':');
      const f = this.parseExpr();
      return this.call(q.offset, '_?_:_', [cond, t, f]);
    } finally {
      this.leave();
    }
  }

  private parseOr(): Expr {
    let left = this.parseAnd();
    for (let n = 1; this.is('||'); n++) {
      this.chain(n);
      const op = this.take();
      left = this.call(op.offset, '_||_', [left, this.parseAnd()]);
    }
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseRelation();
    for (let n = 1; this.is('&&'); n++) {
      this.chain(n);
      const op = this.take();
      left = this.call(op.offset, '_&&_', [left, this.parseRelation()]);
    }
    return left;
  }

  private parseRelation(): Expr {
    let left = this.parseAddition();
    const ops: Record<string, string> = { '<': '_<_', '<=': '_<=_', '>': '_>_', '>=': '_>=_', '==': '_==_', '!=': '_!=_' };
    for (let n = 1; ; n++) {
      this.chain(n);
      if (this.tok.kind === 'op' && this.tok.text in ops) {
        const op = this.take();
        left = this.call(op.offset, ops[op.text], [left, this.parseAddition()]);
      } else if (this.isIdent('in')) {
        const op = this.take();
        left = this.call(op.offset, '@in', [left, this.parseAddition()]);
      } else {
        return left;
      }
    }
  }

  private parseAddition(): Expr {
    let left = this.parseMultiplication();
    for (let n = 1; this.is('+') || this.is('-'); n++) {
      this.chain(n);
      const op = this.take();
      left = this.call(op.offset, op.text === '+' ? '_+_' : '_-_', [left, this.parseMultiplication()]);
    }
    return left;
  }

  private parseMultiplication(): Expr {
    let left = this.parseUnary();
    for (let n = 1; this.is('*') || this.is('/') || this.is('%'); n++) {
      this.chain(n);
      const op = this.take();
      const fn = op.text === '*' ? '_*_' : op.text === '/' ? '_/_' : '_%_';
      left = this.call(op.offset, fn, [left, this.parseUnary()]);
    }
    return left;
  }

  private parseUnary(): Expr {
    if (this.is('!')) {
      const op = this.take();
      this.enter();
      try {
        return this.call(op.offset, '!_', [this.parseUnary()]);
      } finally {
        this.leave();
      }
    }
    if (this.is('-')) {
      const op = this.take();
      // A minus before a number literal is part of the literal, as in cel-go (so -9223372036854775808 is an int).
      const t = this.tok;
      if ((t.kind === 'int' || t.kind === 'double') && !this.followedByMember(1)) {
        this.take();
        if (t.kind === 'int') {
          const n = -(t.value as bigint);
          if (n < -(2n ** 63n)) throw new SyntaxError_(t.offset, 'invalid int literal');
          return this.member({ kind: 'const', id: this.id(), offset: op.offset, value: n });
        }
        return this.member({ kind: 'const', id: this.id(), offset: op.offset, value: -(t.value as number) });
      }
      this.enter();
      try {
        return this.call(op.offset, '-_', [this.parseUnary()]);
      } finally {
        this.leave();
      }
    }
    return this.member(this.parsePrimary());
  }

  /** Whether the token after the next n is a member access, which binds tighter than unary minus. */
  private followedByMember(n: number): boolean {
    const t = this.tokens[this.pos + n];
    return t?.kind === 'op' && (t.text === '.' || t.text === '[');
  }

  private member(expr: Expr): Expr {
    for (let n = 1; ; n++) {
      if (this.is('.') || this.is('[') || this.is('{')) this.chain(n);
      if (this.is('.')) {
        const dot = this.take();
        const optional = this.is('?');
        if (optional) this.take();
        const name = this.tok;
        if (name.kind !== 'ident') throw new SyntaxError_(name.offset, `Syntax error: mismatched input '${name.text}' expecting IDENTIFIER`);
        this.take();
        if (this.is('(') && !optional) {
          const open = this.take();
          const args = this.parseArgs(')');
          expr = this.receiverCallOrMacro(open.offset, name.text, expr, args);
        } else if (optional) {
          expr = this.call(dot.offset, '_?._', [expr, { kind: 'const', id: this.id(), offset: name.offset, value: name.text }]);
        } else {
          expr = { kind: 'select', id: this.id(), offset: dot.offset, operand: expr, field: name.text, testOnly: false };
        }
      } else if (this.is('[')) {
        const open = this.take();
        const optional = this.is('?');
        if (optional) this.take();
        const index = this.parseExpr();
        this.expect(']');
        expr = this.call(open.offset, optional ? '_[?_]' : '_[_]', [expr, index]);
      } else if (this.is('{') && qualifiedName(expr) !== undefined) {
        expr = this.parseStruct(qualifiedName(expr)!, this.take().offset);
      } else {
        return expr;
      }
    }
  }

  private parseArgs(close: string): Expr[] {
    const args: Expr[] = [];
    if (this.is(close)) {
      this.take();
      return args;
    }
    for (;;) {
      args.push(this.parseExpr());
      if (this.is(',')) {
        this.take();
        continue;
      }
      this.expect(close);
      return args;
    }
  }

  private parsePrimary(): Expr {
    const t = this.tok;
    switch (t.kind) {
      case 'int':
        this.take();
        if ((t.value as bigint) > INT64_MAX) throw new SyntaxError_(t.offset, 'invalid int literal');
        return { kind: 'const', id: this.id(), offset: t.offset, value: t.value! };
      case 'uint':
      case 'double':
      case 'string':
      case 'bytes':
        this.take();
        return { kind: 'const', id: this.id(), offset: t.offset, value: t.value! };
      case 'ident':
        return this.parseIdent();
      case 'op':
        break;
      case 'eof':
        throw new SyntaxError_(t.offset, `Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}`);
    }
    if (this.is('.')) {
      // A leading dot names an identifier in the root scope.
      this.take();
      if (this.tok.kind !== 'ident') throw new SyntaxError_(this.tok.offset, `Syntax error: mismatched input '${this.tok.text}' expecting IDENTIFIER`);
      return this.parseIdent();
    }
    if (this.is('(')) {
      this.take();
      const e = this.parseExpr();
      this.expect(')');
      return e;
    }
    if (this.is('[')) {
      const open = this.take();
      const elements: Expr[] = [];
      const optionalIndices: number[] = [];
      while (!this.is(']')) {
        if (this.is('?')) {
          this.take();
          optionalIndices.push(elements.length);
        }
        elements.push(this.parseExpr());
        if (!this.is(',')) break;
        this.take();
      }
      this.expect(']');
      return { kind: 'list', id: this.id(), offset: open.offset, elements, optionalIndices };
    }
    if (this.is('{')) {
      const open = this.take();
      const entries: MapEntry[] = [];
      while (!this.is('}')) {
        const optional = this.is('?');
        if (optional) this.take();
        const key = this.parseExpr();
        const colon = this.expect(':');
        const value = this.parseExpr();
        entries.push({ id: this.idAt(colon), key, value, optional });
        if (!this.is(',')) break;
        this.take();
      }
      this.expect('}');
      return { kind: 'map', id: this.id(), offset: open.offset, entries };
    }
    throw new SyntaxError_(t.offset, `Syntax error: mismatched input '${t.text}' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}`);
  }

  private idAt(_t: Token): number {
    return this.id();
  }

  private parseIdent(): Expr {
    const t = this.take();
    if (t.text === 'true' || t.text === 'false') return { kind: 'const', id: this.id(), offset: t.offset, value: t.text === 'true' };
    if (t.text === 'null') return { kind: 'const', id: this.id(), offset: t.offset, value: null };
    if (RESERVED.has(t.text) || t.text === 'in') throw new SyntaxError_(t.offset, `Syntax error: reserved identifier: ${t.text}`);
    if (this.is('(')) {
      const open = this.take();
      const args = this.parseArgs(')');
      return this.globalCallOrMacro(open.offset, t.text, args);
    }
    return { kind: 'ident', id: this.id(), offset: t.offset, name: t.text };
  }

  private parseStruct(typeName: string, offset: number): Expr {
    const fields: StructField[] = [];
    while (!this.is('}')) {
      const optional = this.is('?');
      if (optional) this.take();
      const name = this.tok;
      if (name.kind !== 'ident') {
        // Right after `{`, ANTLR's expected set is the whole start of a field list.
        const expected = fields.length || optional ? 'IDENTIFIER' : "{'}', ',', '?', IDENTIFIER, ESC_IDENTIFIER}";
        throw new SyntaxError_(name.offset, `Syntax error: mismatched input '${name.text}' expecting ${expected}`);
      }
      this.take();
      this.expect(':');
      fields.push({ id: this.id(), name: name.text, value: this.parseExpr(), optional });
      if (!this.is(',')) break;
      this.take();
    }
    this.expect('}');
    return { kind: 'struct', id: this.id(), offset, typeName, fields };
  }

  // ---- macros ----

  private globalCallOrMacro(offset: number, fn: string, args: Expr[]): Expr {
    if (fn === 'has' && args.length === 1) {
      const arg = args[0];
      if (arg.kind !== 'select') throw new SyntaxError_(arg.offset, 'invalid argument to has() macro');
      return { ...arg, id: this.id(), offset, testOnly: true };
    }
    return this.call(offset, fn, args);
  }

  private receiverCallOrMacro(offset: number, fn: string, target: Expr, args: Expr[]): Expr {
    const macro = this.expandMacro(offset, fn, target, args);
    return macro ?? this.call(offset, fn, args, target);
  }

  private simpleName(e: Expr, fn: string): string {
    if (e.kind !== 'ident') throw new SyntaxError_(e.offset, 'argument must be a simple name');
    if (e.name === ACCUMULATOR) throw new SyntaxError_(e.offset, `${fn}() variable name cannot be ${ACCUMULATOR}`);
    return e.name;
  }

  private ident(offset: number, name: string): Expr {
    return { kind: 'ident', id: this.id(), offset, name };
  }

  private konst(offset: number, value: Value): Expr {
    return { kind: 'const', id: this.id(), offset, value };
  }

  private comprehension(offset: number, range: Expr, iterVar: string, iterVar2: string | undefined, init: Expr, cond: Expr, step: Expr, result: Expr): Expr {
    return {
      kind: 'comprehension',
      id: this.id(),
      offset,
      iterVar,
      ...(iterVar2 !== undefined ? { iterVar2 } : {}),
      iterRange: range,
      accuVar: ACCUMULATOR,
      accuInit: init,
      loopCondition: cond,
      loopStep: step,
      result,
    };
  }

  private expandMacro(o: number, fn: string, target: Expr, args: Expr[]): Expr | undefined {
    const acc = () => this.ident(o, ACCUMULATOR);
    const notStrictlyFalse = (e: Expr) => this.call(o, '@not_strictly_false', [e]);
    const appendOne = (e: Expr) => this.call(o, '_+_', [acc(), { kind: 'list', id: this.id(), offset: o, elements: [e], optionalIndices: [] }]);
    const filtered = (f: Expr, step: Expr) => this.call(o, '_?_:_', [f, step, acc()]);
    const emptyList = (): Expr => ({ kind: 'list', id: this.id(), offset: o, elements: [], optionalIndices: [] });
    const emptyMap = (): Expr => ({ kind: 'map', id: this.id(), offset: o, entries: [] });
    const two = args.length >= 3 && ['all', 'exists', 'exists_one', 'existsOne', 'transformList', 'transformMap', 'transformMapEntry'].includes(fn);
    const v1 = () => this.simpleName(args[0], fn);
    const v2 = () => {
      const name = this.simpleName(args[1], fn);
      if (name === v1()) throw new SyntaxError_(args[1].offset, `duplicate variable name: ${name}`);
      return name;
    };
    switch (args.length === 2 || two ? fn : '') {
      case 'all': {
        const p = args[args.length - 1];
        return this.comprehension(o, target, v1(), two ? v2() : undefined, this.konst(o, true), notStrictlyFalse(acc()), this.call(o, '_&&_', [acc(), p]), acc());
      }
      case 'exists': {
        const p = args[args.length - 1];
        return this.comprehension(o, target, v1(), two ? v2() : undefined, this.konst(o, false), notStrictlyFalse(this.call(o, '!_', [acc()])), this.call(o, '_||_', [acc(), p]), acc());
      }
      case 'exists_one':
      case 'existsOne': {
        const p = args[args.length - 1];
        const step = this.call(o, '_?_:_', [p, this.call(o, '_+_', [acc(), this.konst(o, 1n)]), acc()]);
        return this.comprehension(o, target, v1(), two ? v2() : undefined, this.konst(o, 0n), this.konst(o, true), step, this.call(o, '_==_', [acc(), this.konst(o, 1n)]));
      }
      case 'map':
        return this.comprehension(o, target, v1(), undefined, emptyList(), this.konst(o, true), appendOne(args[1]), acc());
      case 'filter':
        return this.comprehension(o, target, v1(), undefined, emptyList(), this.konst(o, true), filtered(args[1], appendOne(this.ident(o, v1()))), acc());
      case 'transformList': {
        const t = args[args.length - 1];
        const step = args.length === 4 ? filtered(args[2], appendOne(t)) : appendOne(t);
        return this.comprehension(o, target, v1(), v2(), emptyList(), this.konst(o, true), step, acc());
      }
      case 'transformMap': {
        const t = args[args.length - 1];
        const insert = this.call(o, 'cel.@mapInsert', [acc(), this.ident(o, v1()), t]);
        return this.comprehension(o, target, v1(), v2(), emptyMap(), this.konst(o, true), args.length === 4 ? filtered(args[2], insert) : insert, acc());
      }
      case 'transformMapEntry': {
        const t = args[args.length - 1];
        const insert = this.call(o, 'cel.@mapInsert', [acc(), t]);
        return this.comprehension(o, target, v1(), v2(), emptyMap(), this.konst(o, true), args.length === 4 ? filtered(args[2], insert) : insert, acc());
      }
      case 'optMap':
      case 'optFlatMap': {
        const name = this.simpleName(args[0], fn);
        // Binds the optional's value to the name with a comprehension over nothing, as cel-go does.
        const bound = { kind: 'comprehension' as const, id: this.id(), offset: o, iterVar: '#unused', iterRange: emptyList(), accuVar: name, accuInit: this.call(o, 'value', [], target), loopCondition: this.konst(o, false), loopStep: this.ident(o, name), result: args[1] };
        const some = fn === 'optMap' ? this.call(o, 'optional.of', [bound]) : bound;
        return this.call(o, '_?_:_', [this.call(o, 'hasValue', [], target), some, this.call(o, 'optional.none', [])]);
      }
      default:
        if (fn === 'map' && args.length === 3) {
          return this.comprehension(o, target, v1(), undefined, emptyList(), this.konst(o, true), filtered(args[1], appendOne(args[2])), acc());
        }
        return undefined;
    }
  }
}

/** `a.b.c` as a name, if the expression is only identifiers and field selections. */
export function qualifiedName(e: Expr): string | undefined {
  if (e.kind === 'ident') return e.name;
  if (e.kind === 'select' && !e.testOnly) {
    const base = qualifiedName(e.operand);
    return base === undefined ? undefined : `${base}.${e.field}`;
  }
  return undefined;
}
