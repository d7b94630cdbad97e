// Warnings travel as HTTP `Warning` headers in RFC 7234 form with code 299 and agent "-", one
// header per warning, as kube-apiserver sends them and kubectl prints them (`Warning: ...`).

export function warningHeaderValue(message: string): string {
  return `299 - "${message.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Adds warnings to a response that may already carry some. */
export function addWarnings(res: { appendHeader(name: string, value: string | string[]): unknown }, messages: readonly string[]): void {
  for (const message of messages) res.appendHeader('Warning', warningHeaderValue(message));
}
