// The Health service every kapi service answers.
import { healthV1 } from '@kapi/proto';
import { toGrpcHandlers } from './server.js';

export interface HealthCheck {
  name: string;
  check(): Promise<void> | void;
}

export function healthService(service: string, checks: HealthCheck[]) {
  return {
    definition: healthV1.HealthService,
    handlers: toGrpcHandlers(healthV1.HealthService, {
      check: async (): Promise<healthV1.CheckReply> => {
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
        return { ready: results.every((r) => r.ok), service, checks: results };
      },
    }),
  };
}
