// Durations and timestamps as cel-go reads and writes them: Go's duration syntax (`1h30m`, `-1.5s`),
// RFC 3339 timestamps between years 1 and 9999, and calendar fields in UTC or a named time zone.
import { CelDuration, CelError, CelTimestamp } from './values.js';

const UNITS: Record<string, bigint> = { ns: 1n, us: 1_000n, 'µs': 1_000n, 'μs': 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n };

/** cel-go's duration range: ±(2^63-1) ns, the range of Go's time.Duration. */
const MAX_DURATION = 2n ** 63n - 1n;

/** Go's time.ParseDuration. */
export function parseDuration(s: string): CelDuration | CelError {
  const bad = () => new CelError(`time: invalid duration "${s}"`);
  let rest = s;
  let neg = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    neg = rest[0] === '-';
    rest = rest.slice(1);
  }
  if (rest === '0') return new CelDuration(0n);
  if (rest === '') return bad();
  let total = 0n;
  while (rest !== '') {
    const m = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/.exec(rest);
    if (!m || (m[1] === '' && (m[2] === undefined || m[2] === ''))) {
      if (/^[\d.]+$/.test(rest)) return new CelError(`time: missing unit in duration "${s}"`);
      const unit = /^[\d.]*([^\d.]*)/.exec(rest)?.[1] ?? '';
      return /^[\d.]/.test(rest) && unit ? new CelError(`time: unknown unit "${unit}" in duration "${s}"`) : bad();
    }
    const unit = UNITS[m[3]];
    const whole = BigInt(m[1] || '0') * unit;
    let frac = 0n;
    if (m[2]) {
      const digits = m[2].slice(0, 18);
      frac = (BigInt(digits) * unit) / 10n ** BigInt(digits.length);
    }
    total += whole + frac;
    if (total > MAX_DURATION + (neg ? 1n : 0n)) return new CelError(`time: invalid duration "${s}"`);
    rest = rest.slice(m[0].length);
  }
  return new CelDuration(neg ? -total : total);
}

export function checkDuration(nanos: bigint): CelDuration | CelError {
  if (nanos > MAX_DURATION || nanos < -MAX_DURATION - 1n) return new CelError('integer overflow');
  return new CelDuration(nanos);
}

/** Seconds from the epoch of 0001-01-01 and 9999-12-31T23:59:59, the range of a protobuf Timestamp. */
const MIN_TS_SECONDS = -62135596800n;
const MAX_TS_SECONDS = 253402300799n;

export function checkTimestamp(nanos: bigint): CelTimestamp | CelError {
  const secs = nanos >= 0n ? nanos / 1_000_000_000n : -((-nanos + 999_999_999n) / 1_000_000_000n);
  if (secs < MIN_TS_SECONDS || secs > MAX_TS_SECONDS) return new CelError('timestamp overflow');
  return new CelTimestamp(nanos);
}

/** RFC 3339, as Go's time.Parse(time.RFC3339, s). */
export function parseTimestamp(s: string): CelTimestamp | CelError {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/.exec(s);
  if (!m) return new CelError(`parsing time "${s}" as "2006-01-02T15:04:05Z07:00": cannot parse "${s}" as "2006"`);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) {
    return new CelError(`parsing time "${s}": ${month < 1 || month > 12 ? 'month' : day < 1 || day > daysIn(year, month) ? 'day' : hour > 23 ? 'hour' : minute > 59 ? 'minute' : 'second'} out of range`);
  }
  const secs = BigInt(utcSeconds(year, month, day, hour, minute, second));
  const offset = m[8] ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 3600 + Number(m[11]) * 60);
  const nanos = (secs - BigInt(offset)) * 1_000_000_000n + BigInt((m[7] ?? '').padEnd(9, '0') || '0');
  return checkTimestamp(nanos);
}

function utcSeconds(year: number, month: number, day: number, h: number, min: number, s: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(h, min, s, 0);
  return Math.floor(d.getTime() / 1000);
}

function daysIn(year: number, month: number): number {
  return [31, year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

export interface CalendarFields {
  year: number;
  month: number; // 0-based
  day: number; // 1-based
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  dayOfWeek: number; // 0 = Sunday
  dayOfYear: number; // 0-based
}

/** The calendar fields of a timestamp in UTC, a fixed offset (`+05:30`) or an IANA time zone name. */
export function calendar(t: CelTimestamp, tz?: string): CalendarFields | CelError {
  const ms = Number(t.nanos / 1_000_000n) - (t.nanos % 1_000_000n < 0n ? 1 : 0);
  let shifted = ms;
  if (tz !== undefined && tz !== '' && tz !== 'UTC') {
    const fixed = /^([+-])?(\d{2}):(\d{2})$/.exec(tz);
    if (fixed) {
      shifted = ms + (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 3600 + Number(fixed[3]) * 60) * 1000;
    } else {
      let parts: Intl.DateTimeFormatPart[];
      try {
        parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(new Date(ms));
      } catch {
        return new CelError(`unknown time zone ${tz}`);
      }
      const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
      const local = new Date(0);
      local.setUTCFullYear(get('year'), get('month') - 1, get('day'));
      local.setUTCHours(get('hour'), get('minute'), get('second'), ((ms % 1000) + 1000) % 1000);
      shifted = local.getTime();
    }
  }
  const d = new Date(shifted);
  const startOfYear = new Date(0);
  startOfYear.setUTCFullYear(d.getUTCFullYear(), 0, 1);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth(),
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
    dayOfWeek: d.getUTCDay(),
    dayOfYear: Math.floor((shifted - startOfYear.getTime()) / 86_400_000),
  };
}
