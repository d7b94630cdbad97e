import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StackError, describeError } from './errors';

/** Where the error messages send people whose machine lacks a tool. */
export const INSTALL_SCRIPT = 'deploy/scripts/install-deps.sh';

export const MINIMUM_NATS_SERVER_VERSION = '2.10.0';

/**
 * Debian installs haproxy into /usr/sbin, which is missing from the PATH of
 * non-root shells, so the sbin directories are searched as well.
 */
const FALLBACK_DIRECTORIES = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export function findBinary(name: string, searchPath: string = process.env.PATH ?? ''): string | undefined {
  const directories = [...searchPath.split(path.delimiter).filter(Boolean), ...FALLBACK_DIRECTORIES];
  for (const directory of directories) {
    const candidate = path.join(directory, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // Not in this directory; keep looking.
    }
  }
  return undefined;
}

/** Absolute path of `name`, or a one-line StackError telling how to install it. */
export function requireBinary(name: string): string {
  const found = findBinary(name);
  if (!found) {
    throw new StackError(`${name} is not installed (not found on PATH); run ${INSTALL_SCRIPT}`);
  }
  return found;
}

/**
 * The JetStream options kapi relies on (sync_interval: always, healthz
 * js-enabled-only) need nats-server 2.10, so older binaries are refused up front
 * instead of failing later with an obscure config error.
 */
export function requireNatsServer(): string {
  const binary = requireBinary('nats-server');
  let output: string;
  try {
    output = execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new StackError(`cannot run ${binary} --version: ${describeError(error)}`);
  }
  const version = /v?(\d+\.\d+\.\d+)/.exec(output)?.[1];
  if (!version || compareVersions(version, MINIMUM_NATS_SERVER_VERSION) < 0) {
    throw new StackError(
      `nats-server ${version ?? '(unknown version)'} at ${binary} is older than ${MINIMUM_NATS_SERVER_VERSION}; run ${INSTALL_SCRIPT}`,
    );
  }
  return binary;
}

export function compareVersions(left: string, right: string): number {
  const a = left.split('.').map(Number);
  const b = right.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}
