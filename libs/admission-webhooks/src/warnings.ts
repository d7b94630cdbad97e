// Warnings webhooks return reach the client as Warning headers. The webhooks of one plugin call are
// collected here and handed to the request's recorder; kube's limits on them (each text once, 4096
// characters in all, then 256 each, none with a control character) are the front door's, which
// applies them to every warning of a response whoever raised it (@kapi/apiserver's WarningRecorder).
import type { AdmissionRecorder } from '@kapi/admission-chain';

/** Collects the warnings of one plugin call; `flush` hands them to the request's recorder. */
export class WarningCollector {
  private readonly texts: string[] = [];

  add(texts: readonly unknown[] | undefined): void {
    for (const t of texts ?? []) if (typeof t === 'string') this.texts.push(t);
  }

  flush(recorder: AdmissionRecorder | undefined): void {
    if (recorder) for (const text of this.texts) recorder.warning(text);
    this.texts.length = 0;
  }
}
