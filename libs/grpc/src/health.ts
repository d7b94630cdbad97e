// The Health service every kapi service answers.
import { healthV1 } from '@kapi/proto';
import { toGrpcHandlers } from './server.js';

export interface HealthCheck {
  name: string;
  check(): Promise<void> | void;
}

export interface HealthReport {
  ready: boolean;
  checks: { name: string; ok: boolean; message: string }[];
}

/**
 * Every check a Health service of this process answers with, so the same readiness can be asked
 * over plain HTTP too (service-kit's metrics listener serves it as /readyz).
 */
const processChecks: HealthCheck[] = [];

export async function runHealthChecks(checks: readonly HealthCheck[] = processChecks): Promise<HealthReport> {
  const results = await Promise.all(
    checks.map(async (c) => {
      try {
        await c.check();
        return { name: c.name, ok: true, message: 'ok' };
      } catch (err) {
        return { name: c.name, ok: false, message: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
  return { ready: results.every((r) => r.ok), checks: results };
}

export function healthService(service: string, checks: HealthCheck[]) {
  processChecks.push(...checks);
  return {
    definition: healthV1.HealthService,
    handlers: toGrpcHandlers(healthV1.HealthService, {
      check: async (): Promise<healthV1.CheckReply> => ({ ...(await runHealthChecks(checks)), service }),
    }),
  };
}
