import { StackError, describeError } from './errors';
import { ManagedProcess, tailFile } from './processes';

/**
 * Runs `waitUntilReady` while watching the process: if it exits first, the wait
 * is cancelled and the error names the process and its log instead of timing
 * out later with a less useful message. On any failure the process is stopped
 * so that a failed start leaves nothing behind.
 */
export async function awaitReadiness<T>(
  managed: ManagedProcess,
  waitUntilReady: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const exitedFirst = managed.exited.then((exit) => {
    controller.abort(new Error('process exited'));
    const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
    throw new StackError(
      `${managed.instance} exited during start (${how}); see ${managed.logFile}`,
      tailFile(managed.logFile),
    );
  });
  try {
    return await Promise.race([waitUntilReady(controller.signal), exitedFirst]);
  } catch (error) {
    controller.abort(error);
    await managed.stop({ timeoutMs: 3000 }).catch(() => undefined);
    if (error instanceof StackError && error.details !== undefined) throw error;
    throw new StackError(describeError(error), tailFile(managed.logFile));
  } finally {
    // Once the race is settled, a later exit (for instance from stop()) must not surface as an unhandled rejection.
    exitedFirst.catch(() => undefined);
  }
}
