// kube-apiserver tells a webhook how long it will wait with `?timeout=<Go duration>` (client-go
// writes the webhook's timeoutSeconds as time.Duration.String(): `10s`, `30s`).

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const TERM = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** A Go duration (`10s`, `1m30s`, `250ms`) in milliseconds, or undefined when it is not one or is negative. */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0') return 0;
  let rest = text;
  if (rest.startsWith('+')) rest = rest.slice(1);
  if (rest === '') return undefined;
  let total = 0;
  TERM.lastIndex = 0;
  while (TERM.lastIndex < rest.length) {
    const match = TERM.exec(rest);
    if (!match) return undefined;
    total += Number(match[1]) * UNIT_MS[match[2]];
  }
  return Number.isFinite(total) ? total : undefined;
}
