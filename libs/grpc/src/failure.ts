// grpc-js describes a connection it could not make as a chain of its balancer's attempts, e.g.
// "round_robin: No connection established. Last error: No connection established. Last error:
// Error: connect ECONNREFUSED 127.0.0.1:50051. Resolution note: ". Whoever reads an error needs
// only the root cause at the end of that chain. A connection that failed while it was being set
// up also carries the moment it failed ("read ECONNRESET (2026-11-26T19:05:09.131Z)"), which is
// noise in a Status message.

const LAST_ERROR = 'Last error: ';
const RESOLUTION_NOTE = /\.?\s*Resolution note:.*$/s;
const FAILED_AT = /\s*\(\d{4}-\d\d-\d\dT[\d:.]+Z\)$/;
// OpenSSL's own error line, e.g. "40EDE94F407F0000:error:0A000412:SSL routines:ssl3_read_bytes:ssl/tls
// alert bad certificate:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:918:SSL alert number 42":
// its reason and detail are what a reader needs.
const OPENSSL_ERROR = /^[0-9A-F]+:error:[0-9A-F]+:[^:]*:[^:]*:([^:]+):[^:]*\.c:\d+:?(.*)$/s;

/** The root cause of a grpc-js failure description, or the description itself when it has none. */
export function rootCause(details: string): string {
  const at = details.lastIndexOf(LAST_ERROR);
  const cause = (at < 0 ? details : details.slice(at + LAST_ERROR.length).replace(/^Error:\s*/, ''))
    .replace(RESOLUTION_NOTE, '')
    .replace(FAILED_AT, '')
    .trim()
    .replace(OPENSSL_ERROR, (_, reason: string, detail: string) => (detail.trim() ? `${reason} (${detail.trim()})` : reason));
  return cause || details;
}
