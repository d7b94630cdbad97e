import { StackError } from './errors';
import { SERVICE_NAMES, ServiceName } from './topology';

/**
 * Each service runs with an explicit V8 heap limit (Node's --max-old-space-size, in MiB), so that a
 * process's memory is a number an operator chose rather than whatever V8 infers from the machine.
 * The defaults leave the watch cache, which holds every object, the most room.
 */
export const DEFAULT_HEAP_LIMITS_MIB: Readonly<Record<ServiceName, number>> = {
  aggregator: 512,
  authn: 256,
  authz: 512,
  admission: 256,
  registry: 512,
  'watch-cache': 1024,
};

export type HeapLimits = Readonly<Record<ServiceName, number>>;

/** KAPI_<SERVICE>_MAX_OLD_SPACE_SIZE (MiB, SERVICE like WATCH_CACHE) over the defaults; a bad value stops the start. */
export function heapLimitsFromEnv(env: NodeJS.ProcessEnv): HeapLimits {
  const limits: Record<ServiceName, number> = { ...DEFAULT_HEAP_LIMITS_MIB };
  for (const service of SERVICE_NAMES) {
    const variable = `KAPI_${service.toUpperCase().replace(/-/g, '_')}_MAX_OLD_SPACE_SIZE`;
    const value = env[variable];
    if (value === undefined || value === '') continue;
    const mib = Number(value);
    if (!/^\d+$/.test(value) || mib < 64 || mib > 1_048_576) {
      throw new StackError(`${variable}=${value} is invalid: a heap limit in MiB from 64 to 1048576`);
    }
    limits[service] = mib;
  }
  return limits;
}

/** The Node flag that gives a service its heap limit. */
export function heapLimitFlag(service: ServiceName, limits: HeapLimits): string {
  return `--max-old-space-size=${limits[service]}`;
}
