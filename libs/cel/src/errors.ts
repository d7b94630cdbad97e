// Compile-time issues in cel-go's display format, which Kubernetes puts into its messages:
//   ERROR: <input>:1:8: undeclared reference to 'x' (in container '')
//    | object.x
//    | .......^

interface Issue {
  offset: number;
  message: string;
}

export class Issues {
  private readonly list: Issue[] = [];
  /** Set when the expression checked but building its program failed (a constant conversion that fails). */
  instantiation?: string;

  constructor(private readonly source: string) {}

  add(offset: number, message: string): void {
    this.list.push({ offset, message });
  }

  get length(): number {
    return this.list.length + (this.instantiation ? 1 : 0);
  }

  failInstantiation(message: string): void {
    this.instantiation = message;
  }

  get messages(): string[] {
    return this.list.map((i) => i.message);
  }

  /** Line and column (1-based, in code points) of an offset into the source. */
  location(offset: number): { line: number; column: number } {
    const before = this.source.slice(0, Math.max(0, offset));
    const lines = before.split('\n');
    return { line: lines.length, column: [...lines[lines.length - 1]].length + 1 };
  }

  toString(): string {
    if (this.instantiation) return this.instantiation;
    const sorted = [...this.list].sort((a, b) => a.offset - b.offset);
    const sourceLines = this.source.split('\n');
    return sorted
      .map((issue) => {
        // An issue of the whole expression (a recursion limit) has no place in it, as in cel-go.
        if (issue.offset < 0) return `ERROR: <input>:-1:0: ${issue.message}`;
        // An empty expression has no line to show: cel-go prints the place as 1:0 and no snippet.
        if (!this.source) return `ERROR: <input>:1:0: ${issue.message}`;
        const { line, column } = this.location(issue.offset);
        const text = sourceLines[line - 1] ?? '';
        return `ERROR: <input>:${line}:${column}: ${issue.message}\n | ${text}\n | ${'.'.repeat(column - 1)}^`;
      })
      .join('\n');
  }
}

/** What went wrong evaluating: an error value's message, or the runtime cost limit. */
export class CelEvaluationError extends Error {}

/** cel-go's cancellation when the actual cost passes the limit of a program. */
export class CostLimitExceededError extends CelEvaluationError {
  constructor() {
    super('operation cancelled: actual cost limit exceeded');
  }
}
