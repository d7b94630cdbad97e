// The cron schedule of a CronJob, checked as kube-apiserver checks it (robfig/cron's standard
// parser: five fields, or a descriptor) so that a bad schedule gets the same message.

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const FIELDS: Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: Object.fromEntries(MONTHS.map((m, i) => [m, i + 1])) },
  { min: 0, max: 6, names: Object.fromEntries(DAYS.map((d, i) => [d, i])) },
];
const DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
const GO_DURATION = /^([+-]?(\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$|^[+-]?0$/;

class ScheduleError extends Error {}

/** strconv.Atoi, with its error text. */
function atoi(text: string): number {
  if (!/^[+-]?\d+$/.test(text)) throw new ScheduleError(`failed to parse int from ${text}: strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`);
  const n = Number(text);
  if (n < 0) throw new ScheduleError(`negative number (${n}) not allowed: ${text}`);
  return n;
}

const intOrName = (text: string, bounds: Bounds) => bounds.names?.[text.toLowerCase()] ?? atoi(text);

function checkRange(expr: string, bounds: Bounds): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  let start: number;
  let end: number;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    [start, end] = [bounds.min, bounds.max];
  } else {
    start = intOrName(lowAndHigh[0], bounds);
    if (lowAndHigh.length > 2) throw new ScheduleError(`too many hyphens: ${expr}`);
    end = lowAndHigh.length === 2 ? intOrName(lowAndHigh[1], bounds) : start;
  }
  let step = 1;
  if (rangeAndStep.length > 2) throw new ScheduleError(`too many slashes: ${expr}`);
  if (rangeAndStep.length === 2) {
    step = atoi(rangeAndStep[1]);
    // "N/step" means "N-max/step".
    if (lowAndHigh.length === 1) end = bounds.max;
  }
  if (start < bounds.min) throw new ScheduleError(`beginning of range (${start}) below minimum (${bounds.min}): ${expr}`);
  if (end > bounds.max) throw new ScheduleError(`end of range (${end}) above maximum (${bounds.max}): ${expr}`);
  if (start > end) throw new ScheduleError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new ScheduleError(`step of range should be a positive number: ${expr}`);
}

function checkDescriptor(spec: string): void {
  if (DESCRIPTORS.includes(spec)) return;
  if (spec.startsWith('@every ')) {
    const duration = spec.slice('@every '.length);
    if (!GO_DURATION.test(duration)) throw new ScheduleError(`failed to parse duration ${spec}: time: invalid duration ${JSON.stringify(duration)}`);
    return;
  }
  throw new ScheduleError(`unrecognized descriptor: ${spec}`);
}

/** The parser's error for a schedule it cannot read, or undefined when it reads it. */
export function scheduleError(schedule: string): string | undefined {
  try {
    let spec = schedule;
    if (!spec) throw new ScheduleError('empty spec string');
    if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
      const space = spec.indexOf(' ');
      const zone = spec.slice(spec.indexOf('=') + 1, space < 0 ? undefined : space);
      if (!isTimeZone(zone)) throw new ScheduleError(`provided bad location ${zone}: unknown time zone ${zone}`);
      spec = space < 0 ? '' : spec.slice(space).trim();
    }
    if (spec.startsWith('@')) {
      checkDescriptor(spec);
      return undefined;
    }
    const fields = spec.split(/\s+/).filter(Boolean);
    if (fields.length !== FIELDS.length) throw new ScheduleError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
    fields.forEach((f, i) => f.split(',').filter(Boolean).forEach((expr) => checkRange(expr, FIELDS[i])));
    return undefined;
  } catch (err) {
    if (err instanceof ScheduleError) return err.message;
    throw err;
  }
}

/** Whether Go's time.LoadLocation knows the zone (IANA names and UTC). */
export function isTimeZone(zone: string): boolean {
  if (zone === 'UTC' || zone === '') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
