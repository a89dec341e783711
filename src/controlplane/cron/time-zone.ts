/**
 * IANA time zones, as a CronJob's spec.timeZone names them: whether a name is one (what
 * time.LoadLocation accepts), and the wall clock of an instant in a zone and back, for schedules.
 */

/** The zone a CronJob without spec.timeZone runs in: the controller's own, as kube-controller-manager's. */
export function localTimeZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/**
 * Why `zone` is not a time zone time.LoadLocation would load, in its words, or undefined when it
 * is one. Go reads the zone database's files, whose names are case-sensitive: `europe/paris` is
 * unknown though Intl would take it.
 */
export function unknownTimeZone(zone: string): string | undefined {
  const unknown = `unknown time zone ${zone}`;
  if (zone === 'UTC') return undefined;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return unknown;
  }
  // Intl resolves case-insensitively and canonicalizes links (US/Eastern): a name it resolves to
  // itself in other letters only was not written as the database writes it.
  if (resolved !== zone && resolved.toLowerCase() === zone.toLowerCase()) return unknown;
  return undefined;
}

/** A wall-clock time: month 1-12, weekday 0 (Sunday) to 6. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

/** The wall clock of `instant` (ms since the epoch) in `zone`. */
export function wallClock(instant: number, zone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(instant))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const year = parts['year'] ?? 1970;
  const month = parts['month'] ?? 1;
  const day = parts['day'] ?? 1;
  return { year, month, day, hour: parts['hour'] ?? 0, minute: parts['minute'] ?? 0, second: parts['second'] ?? 0, weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay() };
}

/** The offset of `zone` from UTC at `instant`, in ms. */
export function zoneOffset(instant: number, zone: string): number {
  const w = wallClock(instant, zone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(instant / 1000) * 1000;
}

/** The instant of a wall-clock minute in `zone`, or undefined when that minute does not exist there (a DST gap). */
export function instantOf(year: number, month: number, day: number, hour: number, minute: number, zone: string): number | undefined {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  let instant = guess - zoneOffset(guess, zone);
  const second = zoneOffset(instant, zone);
  if (guess - second !== instant) instant = guess - second;
  const w = wallClock(instant, zone);
  return w.hour === hour && w.minute === minute && w.day === day ? instant : undefined;
}

/** An instant as RFC 3339 in `zone`, with its offset (`2026-12-05T11:00:00+01:00`), as Go's time.Format(time.RFC3339). */
export function formatInZone(instant: number, zone: string): string {
  const w = wallClock(instant, zone);
  const offset = Math.round(zoneOffset(instant, zone) / 60_000);
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const zonePart = offset === 0 ? 'Z' : `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${zonePart}`;
}
