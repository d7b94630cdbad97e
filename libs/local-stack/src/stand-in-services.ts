// For the integration tests of this package: a stand-in for every service, so a whole stack (real
// etcd, NATS and HAProxy) starts in a second. It logs what it was started with, then listens where
// the stack expects it (front doors answer /readyz over TLS, so HAProxy's health checks pass).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { waitForTcpPort } from './network';
import { withFreePorts } from './free-ports';
import { startStack, type ServiceCommand, type StackHandle, type StackOptions } from './stack';
import { findInstance } from './topology';

const STAND_IN = `
const fs = require('node:fs');
const path = require('node:path');
const [host, port] = process.env.KAPI_LISTEN.split(':');
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('KAPI_') || k === 'RESTART_SPEC_MARKER').sort());
console.log(JSON.stringify({ standIn: process.env.KAPI_INSTANCE, pid: process.pid, cwd: process.cwd(), argv: process.argv.slice(1), env }));
let server;
if (process.env.KAPI_SERVICE_NAME === 'aggregator') {
  const pki = process.env.KAPI_PKI_DIR;
  const options = { key: fs.readFileSync(path.join(pki, 'apiserver.key')), cert: fs.readFileSync(path.join(pki, 'apiserver.crt')) };
  server = require('node:https').createServer(options, (req, res) => res.end('ok'));
} else {
  server = require('node:net').createServer((socket) => socket.end());
}
server.listen(Number(port), host);
process.on('SIGTERM', () => process.exit(0));
`;

export interface StandInLine {
  standIn: string;
  pid: number;
  cwd: string;
  argv: string[];
  env: Record<string, string>;
}

/** A stack of stand-ins on free ports, its state in `<workDir>/state`. */
export async function startStandInStack(workDir: string, options: Partial<StackOptions> = {}): Promise<StackHandle> {
  return startStack(
    await withFreePorts<StackOptions>({
      stateDir: path.join(workDir, 'state'),
      detached: false,
      readyTimeoutMs: 30_000,
      serviceCommand: standInServices(workDir),
      ...options,
    }),
  );
}

/** Writes the stand-in into `directory`; returns the serviceCommand that launches it for every service. */
function standInServices(directory: string): () => ServiceCommand {
  const file = path.join(directory, 'stand-in.js');
  fs.writeFileSync(file, STAND_IN);
  return () => ({ command: process.execPath, args: [file] });
}

/** What each stand-in started with `logFile` logged at its start, oldest first. */
export function standInLines(logFile: string): StandInLine[] {
  return fs
    .readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{"standIn"'))
    .map((line) => JSON.parse(line) as StandInLine);
}

/** Whether the instance's port accepts a connection within `timeoutMs`. */
export function acceptsConnections(handle: StackHandle, instance: string, timeoutMs: number): Promise<boolean> {
  const listen = findInstance(handle.topology, instance)!.listen;
  return waitForTcpPort(listen.host, listen.port, { timeoutMs }).then(
    () => true,
    () => false,
  );
}
