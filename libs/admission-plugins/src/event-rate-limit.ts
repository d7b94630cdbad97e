// EventRateLimit (off by default): Events are admitted through token buckets, for the whole server,
// per namespace, per user and per source and object, as the plugin's configuration (an
// eventratelimit.admission.k8s.io/v1alpha1 Configuration in KAPI_ADMISSION_CONTROL_CONFIG_FILE) lists
// them; past a bucket, 429 `Too many requests: limit reached on type <type> for key <key>`. Buckets
// are per admission replica, as kube's are per kube-apiserver.
import type { AdmissionAttributes, AdmissionPlugin } from '@kapi/admission-chain';
import { StatusError } from '@kapi/api-machinery';
import { ConfigError } from '@kapi/config';
import { aggregate, isKind } from './admission-errors.js';
import type { PluginContext } from './context.js';

const LIMIT_TYPES = ['Namespace', 'Server', 'SourceAndObject', 'User'] as const;
type LimitType = (typeof LIMIT_TYPES)[number];
const DEFAULT_CACHE_SIZE = 4096;

export interface EventRateLimitConfiguration {
  limits: { type: LimitType; qps: number; burst: number; cacheSize?: number }[];
}

/** The configuration, checked as kube's ValidateConfiguration checks it; errors are field errors' text. */
export function parseEventRateLimitConfiguration(raw: unknown): EventRateLimitConfiguration {
  const limits = (raw as { limits?: unknown } | undefined)?.limits;
  const errs: string[] = [];
  if (!Array.isArray(limits) || limits.length === 0) errs.push('limits: Invalid value: null: must not be empty');
  const parsed = (Array.isArray(limits) ? limits : []).map((l: Record<string, unknown>, i) => {
    if (!LIMIT_TYPES.includes(l?.type as LimitType)) errs.push(`limits[${i}].type: Unsupported value: ${JSON.stringify(l?.type ?? '')}: supported values: ${LIMIT_TYPES.map((t) => JSON.stringify(t)).join(', ')}`);
    const burst = Number(l?.burst ?? 0);
    if (!(burst > 0)) errs.push(`limits[${i}].burst: Invalid value: ${burst}: must be positive`);
    const cacheSize = Number(l?.cacheSize ?? 0);
    if (cacheSize < 0) errs.push(`limits[${i}].cacheSize: Invalid value: ${cacheSize}: must not be negative`);
    return { type: l?.type as LimitType, qps: Number(l?.qps ?? 0), burst, cacheSize: cacheSize || undefined };
  });
  if (errs.length) throw new ConfigError(`EventRateLimit: invalid configuration: ${aggregate(errs)}`);
  return { limits: parsed };
}

/** A token bucket: `burst` tokens, refilled at `qps` per second (flowcontrol's token bucket limiter). */
class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly qps: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  tryAccept(now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

function keyOf(type: LimitType, a: AdmissionAttributes): string {
  switch (type) {
    case 'Server':
      return '';
    case 'Namespace':
      return a.resource.namespace;
    case 'User':
      return a.user.username;
    case 'SourceAndObject': {
      const e = (a.object ?? {}) as { source?: Record<string, string>; involvedObject?: Record<string, string> };
      const o = e.involvedObject ?? {};
      return [e.source?.component, e.source?.host, o.kind, o.namespace, o.name, o.uid, o.apiVersion].map((s) => s ?? '').join('');
    }
  }
}

export function eventRateLimit(context: PluginContext): AdmissionPlugin {
  const config = context.settings.pluginConfig('EventRateLimit');
  if (config === undefined) throw new ConfigError('EventRateLimit needs a configuration: name it in the AdmissionConfiguration of KAPI_ADMISSION_CONTROL_CONFIG_FILE');
  const { limits } = parseEventRateLimitConfiguration(config);
  const now = context.now ?? Date.now;
  const enforcers = limits.map((limit) => ({ ...limit, buckets: new Map<string, TokenBucket>() }));
  return {
    name: 'EventRateLimit',
    handles: (op) => op === 'CREATE' || op === 'UPDATE',
    async validate(a) {
      // Dry runs never reach storage: they are not counted.
      if (!isKind(a, '', 'Event') || a.dryRun) return;
      const refused: string[] = [];
      for (const enforcer of enforcers) {
        const key = keyOf(enforcer.type, a);
        let bucket = enforcer.buckets.get(key);
        if (bucket) enforcer.buckets.delete(key);
        bucket ??= new TokenBucket(enforcer.qps, enforcer.burst, now());
        // Least recently used last: the map's first key is the one to drop.
        enforcer.buckets.set(key, bucket);
        if (enforcer.buckets.size > (enforcer.type === 'Server' ? 1 : (enforcer.cacheSize ?? DEFAULT_CACHE_SIZE))) enforcer.buckets.delete(enforcer.buckets.keys().next().value!);
        if (!bucket.tryAccept(now())) refused.push(`limit reached on type ${enforcer.type} for key ${key}`);
      }
      if (refused.length) throw new StatusError('KAPI_ERR_TOO_MANY_REQUESTS', `Too many requests: ${aggregate(refused)}`);
    },
  };
}
