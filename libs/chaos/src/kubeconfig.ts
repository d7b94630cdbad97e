// The server and client certificate of a kubeconfig's current context, as kubectl resolves them:
// `*-data` fields inline, file fields relative to the kubeconfig's directory. Only client
// certificates are understood (what kapi's kubeconfigs and the chart's NOTES give).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { load } from 'js-yaml';
import type { TlsClientMaterial } from '@kapi/local-stack';

export interface KubeconfigTarget {
  context: string;
  server: string;
  tls: TlsClientMaterial;
}

export function readKubeconfig(file: string, contextName?: string): KubeconfigTarget {
  const config = load(fs.readFileSync(file, 'utf8')) as {
    'current-context'?: string;
    contexts?: Array<{ name: string; context?: { cluster?: string; user?: string } }>;
    clusters?: Array<{ name: string; cluster?: Record<string, string> }>;
    users?: Array<{ name: string; user?: Record<string, string> }>;
  };
  const name = contextName ?? config['current-context'];
  const context = config.contexts?.find((c) => c.name === name)?.context;
  if (!context) throw new Error(`${file}: no context ${JSON.stringify(name)}`);
  const cluster = config.clusters?.find((c) => c.name === context.cluster)?.cluster;
  const user = config.users?.find((u) => u.name === context.user)?.user;
  if (!cluster?.server) throw new Error(`${file}: context ${name} names no cluster with a server`);
  if (!user) throw new Error(`${file}: context ${name} names no user`);
  const base = path.dirname(path.resolve(file));
  const material = (fields: Record<string, string>, data: string, fileField: string, what: string, required: boolean): string | undefined => {
    if (fields[data]) return Buffer.from(fields[data], 'base64').toString('utf8');
    if (fields[fileField]) return fs.readFileSync(path.resolve(base, fields[fileField]), 'utf8');
    if (required) throw new Error(`${file}: context ${name} has no ${what} (${data} or ${fileField}); only client certificates are supported`);
    return undefined;
  };
  const ca = material(cluster, 'certificate-authority-data', 'certificate-authority', 'certificate authority', false);
  const cert = material(user, 'client-certificate-data', 'client-certificate', 'client certificate', true)!;
  const key = material(user, 'client-key-data', 'client-key', 'client key', true)!;
  // Without a certificate authority the system's roots verify the server, as kubectl does.
  return { context: name!, server: cluster.server, tls: { ca: ca as string, cert, key } };
}
