// The example webhook service.
//   node examples/owner-webhook/dist/main.js                 serves both webhooks (settings: settings.ts)
//   node examples/owner-webhook/dist/main.js configurations --ca-file ca.crt (--url https://host:port | --service namespace/name[:port])
//                                                            prints its webhook configurations as a List, for `kubectl apply -f -`
import * as fs from 'node:fs';
import { createWebhookServer } from '@kapi/admission-webhook-kit';
import { WEBHOOK_PATHS, webhookConfigurations, type WebhookTarget } from './configurations.js';
import { defaultRequests } from './default-requests.js';
import { requireOwner } from './require-owner.js';
import { settingsFromEnv } from './settings.js';

const USAGE = 'usage: main.js [configurations --ca-file <pem> (--url <https://host:port> | --service <namespace>/<name>[:port]) [--name <name>]]';

async function serve(): Promise<void> {
  const settings = settingsFromEnv(process.env);
  const server = createWebhookServer({
    host: settings.host,
    port: settings.port,
    tls: { certFile: settings.certFile, keyFile: settings.keyFile },
    webhooks: {
      [WEBHOOK_PATHS.requireOwner]: requireOwner({ ownerLabel: settings.ownerLabel }),
      [WEBHOOK_PATHS.defaultRequests]: defaultRequests(settings.requests),
    },
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void server.close().then(() => process.exit(0)));
  }
  await server.listen();
}

function printConfigurations(args: string[]): void {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i += 2) {
    if (!args[i].startsWith('--') || args[i + 1] === undefined) throw new Error(USAGE);
    flags.set(args[i].slice(2), args[i + 1]);
  }
  const caFile = flags.get('ca-file');
  const url = flags.get('url');
  const service = flags.get('service');
  if (!caFile || (url === undefined) === (service === undefined) || [...flags.keys()].some((flag) => !['ca-file', 'url', 'service', 'name'].includes(flag))) {
    throw new Error(USAGE);
  }
  let target: WebhookTarget;
  if (url !== undefined) {
    if (!url.startsWith('https://')) throw new Error(`--url ${url} is invalid: the API server calls webhooks over https`);
    target = { url };
  } else {
    const parsed = /^([a-z0-9-]+)\/([a-z0-9-]+)(?::(\d+))?$/.exec(service!);
    if (!parsed) throw new Error(`--service ${service} is invalid: expected <namespace>/<name>[:port]`);
    target = { service: { namespace: parsed[1], name: parsed[2], port: parsed[3] ? Number(parsed[3]) : undefined } };
  }
  const items = webhookConfigurations({ target, caPem: fs.readFileSync(caFile, 'utf8'), name: flags.get('name') });
  process.stdout.write(`${JSON.stringify({ apiVersion: 'v1', kind: 'List', items }, null, 2)}\n`);
}

async function main(args: string[]): Promise<void> {
  if (args.length === 0) return serve();
  if (args[0] === 'configurations') return printConfigurations(args.slice(1));
  throw new Error(USAGE);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`owner-webhook: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
