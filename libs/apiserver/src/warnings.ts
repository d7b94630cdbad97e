// Warnings travel as HTTP `Warning` headers in RFC 7234 form with code 299 and agent "-", one
// header per warning, as kube-apiserver sends them and kubectl prints them (`Warning: ...`).
// Every warning of a response, whoever raised it (the front door, a kind's strategy, an admission
// plugin, a webhook), goes through the response's recorder, which applies kube's warning recorder
// (endpoints/filters/warning.go): each text once; once the texts pass 4096 characters in all, every
// one is cut to 256 characters and those beyond the limit are dropped; a text no header can carry
// (a control character: Go's unicode.IsControl) is never sent. So no webhook can put a line break
// into a header (Node refuses it by throwing) nor make a response's headers unbounded.

/** kube's truncateAtTotalRunes and truncateItemRunes. */
export const WARNINGS_TOTAL_CHARACTERS = 4 * 1024;
export const WARNING_TRUNCATED_CHARACTERS = 256;

// Go's unicode.IsControl: C0, DEL and C1, the tab included.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

/** What the recorder writes to: a response (Node's ServerResponse) or a fake in tests. */
export interface WarningHeaderTarget {
  readonly headersSent?: boolean;
  setHeader(name: string, value: string | string[]): unknown;
}

/**
 * The header value of a warning (net.NewWarningHeader), or undefined when the text cannot be one.
 * Node takes a header value as Latin-1 characters (anything beyond U+00FF makes it throw), so the
 * value is the text's UTF-8 bytes as such characters: the bytes Go sends and clients decode. Node
 * writes them as they are when the head goes out alone or with a Buffer; a response ended with a
 * string body instead gets its head in that string's encoding, so responses end with Buffers.
 */
export function warningHeaderValue(text: string): string | undefined {
  if (CONTROL_CHARACTER.test(text)) return undefined;
  const quoted = `299 - "${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  return Buffer.from(quoted, 'utf8').toString('latin1');
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const characters = (text: string) => [...text].length;
const truncated = (text: string) => (characters(text) > WARNING_TRUNCATED_CHARACTERS ? [...text].slice(0, WARNING_TRUNCATED_CHARACTERS).join('') : text);

/** kube's warning recorder for one response. */
export class WarningRecorder {
  private readonly recorded = new Set<string>();
  /** Every distinct text, in order, for a replay once truncation starts. */
  private readonly ordered: string[] = [];
  private headers: string[] = [];
  private written = 0;
  private truncating = false;

  constructor(private readonly target: WarningHeaderTarget) {}

  add(message: string): void {
    if (!message) return;
    if (this.truncating && this.written >= WARNINGS_TOTAL_CHARACTERS) return;
    // Go's JSON decoding leaves no lone surrogate in a string; a text from elsewhere is made alike.
    let text = message.replace(LONE_SURROGATE, '\ufffd');
    if (this.recorded.has(text)) return;
    this.recorded.add(text);
    this.ordered.push(text);
    if (this.truncating) text = truncated(text);
    const header = warningHeaderValue(text);
    if (header === undefined) return;
    const length = characters(text);
    if (this.truncating || this.written + length <= WARNINGS_TOTAL_CHARACTERS) {
      this.written += length;
      this.headers.push(header);
      return this.write();
    }
    // Past the limit: from now on every warning, those already sent included, is cut short.
    this.truncating = true;
    this.written = 0;
    this.headers = [];
    for (const earlier of this.ordered) {
      const cut = truncated(earlier);
      const value = warningHeaderValue(cut);
      if (value === undefined) continue;
      this.written += characters(cut);
      this.headers.push(value);
    }
    this.write();
  }

  private write(): void {
    // Once the headers are out, nothing more can be added to them.
    if (!this.target.headersSent) this.target.setHeader('Warning', this.headers);
  }
}

const recorders = new WeakMap<WarningHeaderTarget, WarningRecorder>();

/** The recorder of a response: one per response, whoever adds to it. */
export function warningRecorder(res: WarningHeaderTarget): WarningRecorder {
  let recorder = recorders.get(res);
  if (!recorder) {
    recorder = new WarningRecorder(res);
    recorders.set(res, recorder);
  }
  return recorder;
}

/** Adds warnings to a response that may already carry some, through its recorder. */
export function addWarnings(res: WarningHeaderTarget, messages: readonly string[]): void {
  const recorder = warningRecorder(res);
  for (const message of messages) if (typeof message === 'string') recorder.add(message);
}
