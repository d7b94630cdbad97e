// The example admission webhook (examples/owner-webhook) as one more process of the local stack
// (KAPI_EXAMPLE_WEBHOOK=true npm run up): its serving certificate, how it is started, and its
// webhook configurations registered with the API, calling it by URL with its CA as caBundle.
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { StackError, describeError, oneLine } from './errors';
import { TlsClientMaterial, httpRequest } from './network';
import { WebhookServingFiles, ensureWebhookServingPki } from './pki';
import { StatePaths } from './state-dir';
import { HostPort } from './topology';

export const EXAMPLE_WEBHOOK_INSTANCE = 'example-webhook';
/** The built service, relative to the repository root. */
export const EXAMPLE_WEBHOOK_ENTRY_POINT = 'examples/owner-webhook/dist/main.js';
/** Who the configurations are applied as (server-side apply's field manager). */
const FIELD_MANAGER = 'kapi-local-stack';

/** Its CA and certificate, under pki/example-webhook/ (kept across starts, so the registered caBundle stays valid). */
export function exampleWebhookPki(paths: StatePaths, listen: HostPort): { files: WebhookServingFiles; generated: string[] } {
  return ensureWebhookServingPki(exampleWebhookPkiDir(paths), { dns: ['localhost'], ips: [...new Set(['127.0.0.1', listen.host])] });
}

export function exampleWebhookPkiDir(paths: StatePaths): string {
  return path.join(paths.pkiDir, EXAMPLE_WEBHOOK_INSTANCE);
}

/** The service's settings (examples/owner-webhook/src/settings.ts). */
export function exampleWebhookEnvironment(listen: HostPort, files: WebhookServingFiles): Record<string, string> {
  return { WEBHOOK_LISTEN: `${listen.host}:${listen.port}`, WEBHOOK_TLS_CERT_FILE: files.cert, WEBHOOK_TLS_KEY_FILE: files.key };
}

export function exampleWebhookUrl(listen: HostPort): string {
  return `https://${listen.host}:${listen.port}`;
}

/**
 * Registers the example's Mutating- and ValidatingWebhookConfiguration with the API at `serverUrl`
 * (as the admin, by server-side apply, so a second start changes nothing). The objects come from
 * the example itself (`main.js configurations`), which owns them. Returns what was applied.
 */
export async function registerExampleWebhook(options: {
  repoRoot: string;
  serverUrl: string;
  tls: TlsClientMaterial;
  listen: HostPort;
  caFile: string;
}): Promise<string[]> {
  let printed: string;
  try {
    printed = (
      await promisify(execFile)(process.execPath, [EXAMPLE_WEBHOOK_ENTRY_POINT, 'configurations', '--ca-file', options.caFile, '--url', exampleWebhookUrl(options.listen)], {
        cwd: options.repoRoot,
        timeout: 30_000,
      })
    ).stdout;
  } catch (error) {
    throw new StackError(`cannot print the example webhook's configurations: ${oneLine(String((error as { stderr?: string }).stderr || describeError(error)))}`);
  }
  const applied: string[] = [];
  for (const object of (JSON.parse(printed) as { items: Array<{ kind: string; metadata: { name: string } }> }).items) {
    const resource = `${object.kind.toLowerCase()}s`;
    const url = `${options.serverUrl}/apis/admissionregistration.k8s.io/v1/${resource}/${object.metadata.name}?fieldManager=${FIELD_MANAGER}&force=true`;
    const response = await httpRequest(url, {
      method: 'PATCH',
      body: JSON.stringify(object),
      headers: { 'content-type': 'application/apply-patch+yaml' },
      tls: options.tls,
      timeoutMs: 30_000,
    });
    if (response.status !== 200 && response.status !== 201) {
      throw new StackError(`cannot register the example webhook: ${object.kind} ${object.metadata.name}: HTTP ${response.status}: ${oneLine(response.body)}`);
    }
    applied.push(`${resource}/${object.metadata.name}`);
  }
  return applied;
}
