/**
 * CronJob schedules as kube-apiserver and kube-controller-manager read them (robfig/cron's
 * standard parser): five fields (minute, hour, day of month, month, day of week) with `*`, `?`,
 * lists, ranges, steps and month and day names, the descriptors `@yearly`, `@annually`,
 * `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly` and `@every DURATION`, and a `TZ=` or
 * `CRON_TZ=` prefix (which validation then refuses). Errors carry the parser's own words, which
 * the API server passes on.
 */
import { instantOf, unknownTimeZone, wallClock } from './time-zone.js';

/** A parsed schedule: the next time it fires after an instant (ms), in a zone. */
export interface Schedule {
  /** The first time strictly after `after` (ms since the epoch), or undefined within five years none. */
  next(after: number, zone: string): number | undefined;
}

/** A schedule the parser refused, with its message. */
export class ScheduleError extends Error {}

interface Bounds {
  min: number;
  max: number;
  names?: Readonly<Record<string, number>>;
}

const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DAYS: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = { min: 1, max: 12, names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 } };
const WEEKDAYS: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };

const DESCRIPTORS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};

/** A field's values, and whether it was `*` or `?` (which changes how days of month and week combine). */
interface Field {
  values: Set<number>;
  star: boolean;
}

/** Go's strconv.Atoi, with its error. */
function atoi(text: string): number {
  if (!/^[+-]?[0-9]+$/.test(text)) throw new ScheduleError(`failed to parse int from ${text}: strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`);
  const n = Number(text);
  if (!Number.isSafeInteger(n) || Math.abs(n) > 2 ** 63) throw new ScheduleError(`failed to parse int from ${text}: strconv.Atoi: parsing ${JSON.stringify(text)}: value out of range`);
  if (n < 0) throw new ScheduleError(`negative number (${n}) not allowed: ${text}`);
  return n;
}

function intOrName(text: string, bounds: Bounds): number {
  const named = bounds.names?.[text.toLowerCase()];
  return named ?? atoi(text);
}

function parseRange(expr: string, bounds: Bounds, field: Field): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = (rangeAndStep[0] ?? '').split('-');
  const single = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    [start, end, star] = [bounds.min, bounds.max, true];
  } else {
    start = intOrName(lowAndHigh[0] ?? '', bounds);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = intOrName(lowAndHigh[1] ?? '', bounds);
    else throw new ScheduleError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = atoi(rangeAndStep[1] ?? '');
    if (single) end = bounds.max;
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) {
    throw new ScheduleError(`too many slashes: ${expr}`);
  }
  if (start < bounds.min) throw new ScheduleError(`beginning of range (${start}) below minimum (${bounds.min}): ${expr}`);
  if (end > bounds.max) throw new ScheduleError(`end of range (${end}) above maximum (${bounds.max}): ${expr}`);
  if (start > end) throw new ScheduleError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new ScheduleError(`step of range should be a positive number: ${expr}`);
  for (let v = start; v <= end; v += step) field.values.add(v);
  if (star) field.star = true;
}

function parseField(text: string, bounds: Bounds): Field {
  const field: Field = { values: new Set(), star: false };
  for (const expr of text.split(',')) parseRange(expr, bounds, field);
  return field;
}

/** Go's time.ParseDuration for what `@every` takes: `1h30m`, `90s`, `1.5h`; in ms. */
function parseDuration(text: string, descriptor: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, '\u00b5s': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const match = /^([0-9]*\.?[0-9]+(ns|us|\u00b5s|ms|s|m|h))+$/.test(text);
  if (!match) throw new ScheduleError(`failed to parse duration ${descriptor}: time: invalid duration ${JSON.stringify(text)}`);
  let total = 0;
  for (const [, value, unit] of text.matchAll(/([0-9]*\.?[0-9]+)(ns|us|\u00b5s|ms|s|m|h)/g)) total += Number(value) * (units[unit!] ?? 0);
  return total;
}

class FieldSchedule implements Schedule {
  constructor(private readonly minute: Field, private readonly hour: Field, private readonly dom: Field, private readonly month: Field, private readonly dow: Field) {}

  #dayMatches(day: number, weekday: number): boolean {
    const domMatch = this.dom.values.has(day);
    const dowMatch = this.dow.values.has(weekday);
    return this.dom.star || this.dow.star ? domMatch && dowMatch : domMatch || dowMatch;
  }

  next(after: number, zone: string): number | undefined {
    const from = Math.floor(after / 60_000) * 60_000 + 60_000;
    const start = wallClock(from, zone);
    const hours = [...this.hour.values].sort((a, b) => a - b);
    const minutes = [...this.minute.values].sort((a, b) => a - b);
    for (let offset = 0; offset <= 366 * 5; offset++) {
      const date = new Date(Date.UTC(start.year, start.month - 1, start.day + offset));
      const [year, month, day] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
      if (!this.month.values.has(month) || !this.#dayMatches(day, date.getUTCDay())) continue;
      for (const hour of hours) {
        // On the first day, hours well before the start cannot come after it, DST or not.
        if (offset === 0 && hour < start.hour - 3) continue;
        for (const minute of minutes) {
          const instant = instantOf(year, month, day, hour, minute, zone);
          if (instant !== undefined && instant >= from) return instant;
        }
      }
    }
    return undefined;
  }
}

class EverySchedule implements Schedule {
  constructor(private readonly delayMs: number) {}

  next(after: number): number {
    // As robfig's ConstantDelaySchedule: whole seconds from the given instant.
    return Math.floor(after / 1000) * 1000 + this.delayMs;
  }
}

/** The schedule's time zone prefix (`TZ=Europe/Paris `), if any, and the rest. */
function splitZone(spec: string): { zone?: string; rest: string } {
  if (!spec.startsWith('TZ=') && !spec.startsWith('CRON_TZ=')) return { rest: spec };
  const space = spec.indexOf(' ');
  const eq = spec.indexOf('=');
  const zone = space < 0 ? spec.slice(eq + 1) : spec.slice(eq + 1, space);
  const unknown = unknownTimeZone(zone);
  if (unknown) throw new ScheduleError(`provided bad location ${zone}: ${unknown}`);
  return { zone, rest: space < 0 ? '' : spec.slice(space).trim() };
}

/** Parses a schedule as cron.ParseStandard. @throws ScheduleError with the parser's message */
export function parseSchedule(spec: string): Schedule {
  if (spec.length === 0) throw new ScheduleError('empty spec string');
  const { rest } = splitZone(spec);
  if (rest.startsWith('@')) {
    if (rest.startsWith('@every ')) {
      const ms = parseDuration(rest.slice('@every '.length), rest);
      // Less than a second is a second, and anything else whole seconds.
      return new EverySchedule(ms < 1000 ? 1000 : ms - (ms % 1000));
    }
    const expanded = DESCRIPTORS[rest];
    if (!expanded) throw new ScheduleError(`unrecognized descriptor: ${rest}`);
    return parseSchedule(expanded);
  }
  const fields = rest.split(/[ \t\n\r\v\f]+/).filter((f) => f !== '');
  if (fields.length !== 5) throw new ScheduleError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  return new FieldSchedule(parseField(minute, MINUTES), parseField(hour, HOURS), parseField(dom, DAYS), parseField(month, MONTHS), parseField(dow, WEEKDAYS));
}
