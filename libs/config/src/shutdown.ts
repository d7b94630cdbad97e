// How a front door shuts down, as kube-apiserver's graceful termination does, with its flags as
// KAPI_* variables. Read by the front door only; kept apart from ServiceConfig like authn.ts.
import { booleanSetting, durationSetting } from './index.js';

/**
 * How a load balancer in front of the front doors checks them (GET /readyz): every `intervalMs`,
 * taking a front door out after `fall` failed checks in a row. The local stack's HAProxy is
 * configured from exactly this, so the default shutdown delay below always covers it.
 */
export const FRONT_DOOR_HEALTH_CHECK = { intervalMs: 1000, fall: 2 } as const;

/**
 * How long a front door keeps serving after SIGTERM while /readyz already fails: `fall` failed
 * checks take the load balancer up to fall × interval, and one more interval covers a check already
 * under way (and a loaded machine). 3 s for the local stack; kube's own default is 0.
 */
export const DEFAULT_SHUTDOWN_DELAY_MS = FRONT_DOOR_HEALTH_CHECK.intervalMs * (FRONT_DOOR_HEALTH_CHECK.fall + 1);

export interface ShutdownConfig {
  /** KAPI_SHUTDOWN_DELAY_DURATION (--shutdown-delay-duration): serve on, unready, this long after SIGTERM. */
  delayMs: number;
  /**
   * KAPI_SHUTDOWN_SEND_RETRY_AFTER (--shutdown-send-retry-after): after the delay keep listening until
   * the requests in flight are done, answering new ones 429 with Retry-After, instead of closing the
   * listener at once.
   */
  sendRetryAfter: boolean;
  /**
   * KAPI_SHUTDOWN_WATCH_TERMINATION_GRACE_PERIOD (--shutdown-watch-termination-grace-period): how
   * long open watches may run on after the delay before they are ended; 0 ends them at once.
   */
  watchTerminationGracePeriodMs: number;
}

export function loadShutdownConfig(env: NodeJS.ProcessEnv = process.env): ShutdownConfig {
  return {
    delayMs: durationSetting(env, 'KAPI_SHUTDOWN_DELAY_DURATION', DEFAULT_SHUTDOWN_DELAY_MS),
    sendRetryAfter: booleanSetting(env, 'KAPI_SHUTDOWN_SEND_RETRY_AFTER', false),
    watchTerminationGracePeriodMs: durationSetting(env, 'KAPI_SHUTDOWN_WATCH_TERMINATION_GRACE_PERIOD', 0),
  };
}
