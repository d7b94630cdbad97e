// Warnings webhooks return reach the client as Warning headers. kube-apiserver's recorder
// (endpoints/filters/warning.go) keeps each distinct text once and, once the texts pass 4096
// characters in all, cuts every one to 256 characters and drops the ones that no longer fit; a
// text that cannot be a header value is never sent (Go drops it). The webhooks of one plugin call
// are collected here and handed to the request's recorder in that shape.
import type { AdmissionRecorder } from '@kapi/admission-chain';

export const WARNINGS_TOTAL_CHARACTERS = 4 * 1024;
export const WARNING_TRUNCATED_CHARACTERS = 256;

// An HTTP field value holds no control character other than a tab.
const NOT_A_HEADER_VALUE = /[\u0000-\u0008\u000a-\u001f\u007f]/;

const characters = (text: string) => [...text].length;
const truncate = (text: string) => [...text].slice(0, WARNING_TRUNCATED_CHARACTERS).join('');

/** The warnings to send, in order, with kube's limits applied. */
export function limitWarnings(texts: readonly string[]): string[] {
  const kept: string[] = [];
  const seen = new Set<string>();
  let written = 0;
  let truncating = false;
  for (const text of texts) {
    if (!text || seen.has(text) || NOT_A_HEADER_VALUE.test(text)) continue;
    if (truncating && written >= WARNINGS_TOTAL_CHARACTERS) break;
    seen.add(text);
    const length = characters(text);
    if (truncating) {
      kept.push(length > WARNING_TRUNCATED_CHARACTERS ? truncate(text) : text);
      written += Math.min(length, WARNING_TRUNCATED_CHARACTERS);
      continue;
    }
    if (written + length <= WARNINGS_TOTAL_CHARACTERS) {
      kept.push(text);
      written += length;
      continue;
    }
    // Past the total: from here on every warning, those already kept included, is cut short.
    truncating = true;
    kept.push(text);
    const all = kept.map((t) => (characters(t) > WARNING_TRUNCATED_CHARACTERS ? truncate(t) : t));
    kept.length = 0;
    kept.push(...all);
    written = all.reduce((sum, t) => sum + characters(t), 0);
  }
  return kept;
}

/** Collects the warnings of one plugin call; `flush` hands them to the request's recorder. */
export class WarningCollector {
  private readonly texts: string[] = [];

  add(texts: readonly unknown[] | undefined): void {
    for (const t of texts ?? []) if (typeof t === 'string') this.texts.push(t);
  }

  flush(recorder: AdmissionRecorder | undefined): void {
    if (recorder) for (const text of limitWarnings(this.texts)) recorder.warning(text);
    this.texts.length = 0;
  }
}
