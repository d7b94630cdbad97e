// grpc-js describes a connection it could not make as a chain of its balancer's attempts, e.g.
// "round_robin: No connection established. Last error: No connection established. Last error:
// Error: connect ECONNREFUSED 127.0.0.1:50051. Resolution note: ". Whoever reads an error needs
// only the root cause at the end of that chain.

const LAST_ERROR = 'Last error: ';

/** The root cause of a grpc-js failure description, or the description itself when it has none. */
export function rootCause(details: string): string {
  const at = details.lastIndexOf(LAST_ERROR);
  if (at < 0) return details.replace(/\.?\s*Resolution note:.*$/s, '').trim() || details;
  const cause = details
    .slice(at + LAST_ERROR.length)
    .replace(/\.?\s*Resolution note:.*$/s, '')
    .replace(/^Error:\s*/, '')
    .trim();
  return cause || details;
}
