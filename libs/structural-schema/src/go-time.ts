// metav1.Time as kube decodes and encodes it: RFC 3339 parsed by Go's time.Parse (whose error
// messages kube returns: `parsing time "x" as "2006-01-02T15:04:05Z07:00": cannot parse "x" as
// "2006"`), and written back in UTC with whole seconds.
import { goQuote } from './go-format.js';

const LAYOUT = '2006-01-02T15:04:05Z07:00';
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const isDigit = (s: string, i: number) => i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57;

/** A parsed time: milliseconds since the epoch and the nanoseconds within the millisecond's second. */
export interface GoTime {
  /** Seconds since the Unix epoch, UTC. */
  seconds: number;
  nanos: number;
}

class ParseFailure extends Error {}

/** Go's time.Parse(time.RFC3339, value): the time, or Go's error message. */
export function parseTime(value: string): GoTime | string {
  let rest = value;
  const cannot = (valueElem: string, layoutElem: string) =>
    new ParseFailure(`parsing time ${goQuote(value)} as ${goQuote(LAYOUT)}: cannot parse ${goQuote(valueElem)} as ${goQuote(layoutElem)}`);
  const outOfRange = (what: string) => new ParseFailure(`parsing time ${goQuote(value)}: ${what} out of range`);
  const literal = (prefix: string) => {
    for (const ch of prefix) {
      if (!rest.length || rest[0] !== ch) throw cannot(rest, prefix);
      rest = rest.slice(1);
    }
  };
  /** getnum: one or two digits; exactly two when fixed. */
  const num = (elem: string, fixed: boolean): number => {
    if (!isDigit(rest, 0)) throw cannot(rest, elem);
    if (!isDigit(rest, 1)) {
      if (fixed) throw cannot(rest, elem);
      const n = Number(rest[0]);
      rest = rest.slice(1);
      return n;
    }
    const n = Number(rest.slice(0, 2));
    rest = rest.slice(2);
    return n;
  };
  try {
    if (rest.length < 4 || !/^[0-9]{4}/.test(rest)) throw cannot(rest, '2006');
    const year = Number(rest.slice(0, 4));
    rest = rest.slice(4);
    literal('-');
    const month = num('01', true);
    if (month < 1 || month > 12) throw outOfRange('month');
    literal('-');
    const day = num('02', true);
    if (day < 1 || day > 31) throw outOfRange('day');
    literal('T');
    const hour = num('15', false);
    if (hour > 23) throw outOfRange('hour');
    literal(':');
    const minute = num('04', true);
    if (minute > 59) throw outOfRange('minute');
    literal(':');
    const second = num('05', true);
    if (second > 59) throw outOfRange('second');
    let nanos = 0;
    if (rest.length >= 2 && (rest[0] === '.' || rest[0] === ',') && isDigit(rest, 1)) {
      let n = 2;
      while (isDigit(rest, n)) n++;
      nanos = Number(rest.slice(1, Math.min(n, 10)).padEnd(9, '0'));
      rest = rest.slice(n);
    }
    let offset = 0;
    if (rest[0] === 'Z') rest = rest.slice(1);
    else {
      const tz = rest;
      if (rest.length < 6 || rest[3] !== ':' || (rest[0] !== '+' && rest[0] !== '-') || !/^[0-9]{2}$/.test(rest.slice(1, 3)) || !/^[0-9]{2}$/.test(rest.slice(4, 6))) throw cannot(tz, 'Z07:00');
      const hh = Number(rest.slice(1, 3));
      const mm = Number(rest.slice(4, 6));
      if (hh > 24) throw outOfRange('time zone offset hour');
      if (mm > 60) throw outOfRange('time zone offset minute');
      offset = (rest[0] === '-' ? -1 : 1) * (hh * 3600 + mm * 60);
      rest = rest.slice(6);
    }
    if (rest.length) throw new ParseFailure(`parsing time ${goQuote(value)}: extra text: ${goQuote(rest)}`);
    const maxDay = month === 2 && isLeap(year) ? 29 : DAYS[month - 1];
    if (day > maxDay) throw new ParseFailure(`parsing time ${goQuote(value)}: day out of range`);
    const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
    date.setUTCFullYear(year);
    return { seconds: date.getTime() / 1000 - offset, nanos };
  } catch (e) {
    if (e instanceof ParseFailure) return e.message;
    throw e;
  }
}

/** metav1.Time's JSON: RFC 3339 in UTC, whole seconds. */
export function formatTime(t: GoTime): string {
  return new Date(t.seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Go's zero time, which metav1.Time writes as null. */
export const isZeroTime = (t: GoTime) => t.seconds === -62135596800 && t.nanos === 0;
