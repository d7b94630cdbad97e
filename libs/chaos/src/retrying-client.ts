// A client that retries as client-go's rest client does, and no more (k8s.io/client-go/rest
// request.go and with_retry.go), so that a test can tell a failure kube's clients would see from one
// they would retry away:
//   - an answer 429 or 5xx that carries Retry-After is retried after that many seconds (checkWait);
//   - a GET whose connection was reset or ended early (IsConnectionReset, IsProbableEOF) is retried
//     after a second, as if it had been answered 500 with Retry-After: 1;
//   - everything else is final: a write that met a reset connection fails, as client-go's does;
//   - at most 10 retries (the rest client's default maxRetries).
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient, ApiResponse, Endpoint } from './api-client.js';

export const MAX_RETRIES = 10;

export interface RetriedResponse extends ApiResponse {
  /** Every answer before the final one, e.g. `503 Retry-After 1`, `error: socket hang up`. */
  retried: string[];
}

/** The transport failures client-go's IsConnectionReset and IsProbableEOF recognise, as Node names them. */
export function isResetOrEof(text: string): boolean {
  return /ECONNRESET|socket hang up|EPIPE|other side closed|Client network socket disconnected|premature close|ended by the other party/i.test(text);
}

/** Whether client-go would retry this answer, and after how long. */
export function retryDelayMs(method: string, response: ApiResponse): number | undefined {
  if (response.status === 0) return method === 'GET' && isResetOrEof(response.text) ? 1000 : undefined;
  if (response.status !== 429 && response.status < 500) return undefined;
  const seconds = Number(response.retryAfter);
  return response.retryAfter !== undefined && Number.isInteger(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

export async function requestWithRetries(
  client: ApiClient,
  endpoint: Endpoint,
  method: string,
  path: string,
  options: Parameters<ApiClient['request']>[3] = {},
): Promise<RetriedResponse> {
  const retried: string[] = [];
  for (let attempt = 0; ; attempt++) {
    const response = await client.request(endpoint, method, path, options);
    const delay = retryDelayMs(method, response);
    if (delay === undefined || attempt >= MAX_RETRIES) return { ...response, retried };
    retried.push(response.status === 0 ? response.text : `${response.status} Retry-After ${response.retryAfter}`);
    await sleep(delay);
  }
}
