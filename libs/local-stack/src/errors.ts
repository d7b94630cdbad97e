/**
 * An error meant for a human at a terminal: `message` is always a single line
 * naming the cause, so a CLI can print it as-is; `details` holds optional
 * multi-line context (such as the tail of a log file) that the caller may show
 * below it.
 */
export class StackError extends Error {
  readonly details: string | undefined;

  constructor(message: string, details?: string) {
    super(oneLine(message));
    this.name = 'StackError';
    this.details = details;
  }
}

/** Collapses whitespace so messages from child tools cannot break the one-line rule. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The message of anything thrown, flattened to one line. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = error.message || code || error.name;
    return oneLine(message);
  }
  return oneLine(String(error));
}
