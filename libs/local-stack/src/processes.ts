import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StackError, describeError } from './errors';

/**
 * What we remember about a process we started, persisted next to its pid file
 * so that a later `down` can prove a pid still belongs to us before signalling
 * it: pids get recycled, and killing a stranger is far worse than leaking.
 */
export interface ProcessRecord {
  instance: string;
  pid: number;
  argv: string[];
  /** Field 22 of /proc/<pid>/stat: clock ticks after boot at which the process began. */
  startTicks: string;
  logFile: string;
  startedAt: string;
  /** How often a supervisor has started this instance again, and how its previous run ended. */
  restarts?: number;
  lastExit?: LastExit;
}

/** How a process last ended, as `npm run status` shows it. */
export interface LastExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** ISO time of the exit. */
  at: string;
}

/** What a restarted process carries in its record. */
export interface RestartHistory {
  restarts: number;
  lastExit?: LastExit;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly instance: string;
  readonly pid: number;
  readonly logFile: string;
  readonly record: ProcessRecord;
  /**
   * Settles when the process exits. Children are unref'd, so awaiting only this
   * promise does not keep the caller alive; pair it with a timer.
   */
  readonly exited: Promise<ExitInfo>;
  hasExited(): boolean;
  stop(options?: StopOptions): Promise<StopOutcome>;
}

export interface SpawnOptions {
  instance: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  logFile: string;
  /** Directory for `<instance>.pid` and `<instance>.json`; omit to keep no pid file. */
  runDir?: string;
  /**
   * Detached processes get their own process group and outlive the caller
   * (what the CLI wants). Attached ones share the caller's group, so Ctrl-C
   * reaches them, and are SIGKILLed when the caller exits (what tests want).
   */
  detached: boolean;
  /** A supervisor's restart: written into the record, for `npm run status`. */
  history?: RestartHistory;
}

export interface StopOptions {
  /** How long to wait after SIGTERM before SIGKILL; 30 s by default, a kubelet's default termination grace period. */
  timeoutMs?: number;
}

export type StopOutcome = 'stopped' | 'killed' | 'not-running';

export type ProcessState = 'running' | 'gone' | 'pid-reused';

export function spawnManaged(options: SpawnOptions): ManagedProcess {
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  const logFd = fs.openSync(options.logFile, 'a');
  let child;
  try {
    child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env,
      detached: options.detached,
      stdio: ['ignore', logFd, logFd],
    });
  } finally {
    fs.closeSync(logFd);
  }
  if (child.pid === undefined) {
    throw new StackError(`cannot start ${options.instance} (${options.command}); see ${options.logFile}`);
  }
  // The asynchronous 'error' event would otherwise crash the caller as unhandled.
  child.on('error', () => undefined);

  const pid = child.pid;
  const record: ProcessRecord = {
    instance: options.instance,
    pid,
    argv: [options.command, ...options.args],
    startTicks: readStartTicks(pid) ?? '',
    logFile: options.logFile,
    startedAt: new Date().toISOString(),
    ...(options.history ? { restarts: options.history.restarts, lastExit: options.history.lastExit } : {}),
  };

  let exitInfo: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
  });

  // Never let a child hold the caller's event loop open: a test that forgets stop() must still end.
  child.unref();
  if (!options.detached) {
    attachedProcesses.add(record);
    void exited.then(() => attachedProcesses.delete(record));
    installExitHook();
  }

  if (options.runDir) writeProcessRecord(options.runDir, record);

  return {
    instance: options.instance,
    pid,
    logFile: options.logFile,
    record,
    exited,
    hasExited: () => exitInfo !== undefined,
    stop: async (stopOptions) => {
      const outcome = exitInfo ? 'not-running' : await stopProcess(record, stopOptions, exited);
      if (options.runDir) removeProcessRecord(options.runDir, options.instance);
      return outcome;
    },
  };
}

/** Attached children still running; one shared exit hook kills them, instead of one listener per child. */
const attachedProcesses = new Set<ProcessRecord>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const record of attachedProcesses) signalIfOurs(record, 'SIGKILL');
  });
}

export function writeProcessRecord(runDir: string, record: ProcessRecord): void {
  fs.mkdirSync(runDir, { recursive: true });
  // The record goes first: a pid file without its record could never be verified, hence never stopped.
  fs.writeFileSync(path.join(runDir, `${record.instance}.json`), `${JSON.stringify(record, null, 2)}\n`);
  fs.writeFileSync(path.join(runDir, `${record.instance}.pid`), `${record.pid}\n`);
}

export function removeProcessRecord(runDir: string, instance: string): void {
  fs.rmSync(path.join(runDir, `${instance}.pid`), { force: true });
  fs.rmSync(path.join(runDir, `${instance}.json`), { force: true });
}

/** Every process that has a pid file in `runDir`; a pid file without a readable record yields `record: undefined`. */
export function readProcessRecords(runDir: string): Array<{ instance: string; pid: number; record?: ProcessRecord }> {
  let names: string[];
  try {
    names = fs.readdirSync(runDir);
  } catch {
    return [];
  }
  const found: Array<{ instance: string; pid: number; record?: ProcessRecord }> = [];
  for (const name of names.filter((n) => n.endsWith('.pid')).sort()) {
    const instance = name.slice(0, -'.pid'.length);
    const pid = Number.parseInt(fs.readFileSync(path.join(runDir, name), 'utf8').trim(), 10);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    let record: ProcessRecord | undefined;
    try {
      const parsed = JSON.parse(fs.readFileSync(path.join(runDir, `${instance}.json`), 'utf8')) as ProcessRecord;
      if (parsed.pid === pid) record = parsed;
    } catch {
      record = undefined;
    }
    found.push({ instance, pid, record });
  }
  return found;
}

export function readProcessRecord(runDir: string, instance: string): ProcessRecord | undefined {
  return readProcessRecords(runDir).find((entry) => entry.instance === instance)?.record;
}

/**
 * Whether the recorded process still runs. A live pid only counts as ours when
 * both its command line and its start time match what we recorded at spawn.
 *
 * A process is only `gone` once it has fully exited: its /proc entry is absent, or it is a zombie
 * with no thread left. In between, while it exits, /proc already shows an empty command line (the
 * main thread released its memory, or it is a zombie while its other threads still run) although
 * it still holds its files, listening sockets included: a successor started then may find its port
 * still accepting connections from the exiting process. Such a process is still `running`, ours
 * when its start time matches.
 */
export function processState(record: ProcessRecord): ProcessState {
  return classifyProcess(record, readProcSnapshot(record.pid));
}

/** What /proc says about a pid, read once; undefined when there is no such process. */
export interface ProcSnapshot {
  /** The argv; empty while the process exits (or as a zombie). */
  cmdline: string[];
  /** Field 3 of /proc/<pid>/stat: R, S, D, Z, X, … */
  state: string;
  startTicks: string;
  /** Threads still present in /proc/<pid>/task. */
  threads: number;
}

export function classifyProcess(record: ProcessRecord, snapshot: ProcSnapshot | undefined): ProcessState {
  if (!snapshot) return 'gone';
  if ((snapshot.state === 'Z' || snapshot.state === 'X') && snapshot.threads <= 1) return 'gone';
  const sameStart = record.startTicks === '' || record.startTicks === snapshot.startTicks;
  // While it exits, only the start time can tell whether the pid is still the one we started.
  if (snapshot.cmdline.length === 0) return sameStart && record.startTicks !== '' ? 'running' : 'pid-reused';
  const sameCommand = snapshot.cmdline.length === record.argv.length && snapshot.cmdline.every((arg, i) => arg === record.argv[i]);
  return sameCommand && sameStart ? 'running' : 'pid-reused';
}

export function readProcSnapshot(pid: number): ProcSnapshot | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name in field 2 may contain spaces and parentheses, so fields are counted after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  let threads = 1;
  try {
    threads = fs.readdirSync(`/proc/${pid}/task`).length;
  } catch {
    // gone in between: the stat read above decides
  }
  return { cmdline: readRawCmdline(pid) ?? [], state: fields[0], startTicks: fields[19], threads };
}

/**
 * SIGTERM, then SIGKILL after `timeoutMs`. Only ever signals a pid that
 * `processState` confirms as ours; stale records are simply reported.
 */
export async function stopProcess(
  record: ProcessRecord,
  options: StopOptions = {},
  exited?: Promise<ExitInfo>,
): Promise<StopOutcome> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (!signalIfOurs(record, 'SIGTERM')) return 'not-running';
  if (await waitUntilGone(record, timeoutMs, exited)) return 'stopped';
  signalIfOurs(record, 'SIGKILL');
  if (await waitUntilGone(record, 5000, exited)) return 'killed';
  throw new StackError(`${record.instance} (pid ${record.pid}) survived SIGKILL`);
}

/** Sends `signal` if the recorded process is still ours; returns whether it was sent. */
export function signalIfOurs(record: ProcessRecord, signal: NodeJS.Signals): boolean {
  if (processState(record) !== 'running') return false;
  try {
    process.kill(record.pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw new StackError(`cannot signal ${record.instance} (pid ${record.pid}): ${describeError(error)}`);
  }
}

async function waitUntilGone(record: ProcessRecord, timeoutMs: number, exited?: Promise<ExitInfo>): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let hasExited = false;
  void exited?.then(() => (hasExited = true));
  while (Date.now() < deadline) {
    if (hasExited || processState(record) !== 'running') return true;
    await sleep(50);
  }
  return hasExited || processState(record) !== 'running';
}

/** The argv of a live process that is not exiting, or undefined. */
export function readCmdline(pid: number): string[] | undefined {
  const argv = readRawCmdline(pid);
  return argv && argv.length > 0 ? argv : undefined;
}

function readRawCmdline(pid: number): string[] | undefined {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (raw === '') return []; // exiting processes, zombies and kernel threads have no command line
    const parts = raw.split('\0');
    if (parts[parts.length - 1] === '') parts.pop();
    return parts;
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat of a process that has not yet fully exited, or undefined. */
export function readStartTicks(pid: number): string | undefined {
  const snapshot = readProcSnapshot(pid);
  if (!snapshot || ((snapshot.state === 'Z' || snapshot.state === 'X') && snapshot.threads <= 1)) return undefined;
  return snapshot.startTicks;
}

/** The last `lineCount` lines of a log file, for error reports; empty when the file is missing. */
export function tailFile(file: string, lineCount = 20): string {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    fs.readSync(fd, buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return lines.slice(-lineCount).join('\n');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
