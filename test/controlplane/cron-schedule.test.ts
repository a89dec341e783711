/**
 * CronJob schedules as kube-apiserver and kube-controller-manager read them (robfig/cron's
 * standard parser): the parser's messages for what it refuses, and the next time a schedule fires
 * after an instant, in a time zone, daylight saving included.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatInZone, parseSchedule, ScheduleError, unknownTimeZone } from '../../src/controlplane/cron/index.js';

describe('cron schedules', () => {
  const refused: [schedule: string, message: string][] = [
    ['', 'empty spec string'],
    ['foo', 'expected exactly 5 fields, found 1: [foo]'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['TZ=UTC * * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['TZ=Mars/Olympus * * * * *', 'provided bad location Mars/Olympus: unknown time zone Mars/Olympus'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['* * * * 7', 'end of range (7) above maximum (6): 7'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['*/2/3 * * * *', 'too many slashes: */2/3'],
    ['a-b * * * *', 'failed to parse int from a: strconv.Atoi: parsing "a": invalid syntax'],
    ['1,2,x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['@fortnightly', 'unrecognized descriptor: @fortnightly'],
    ['@every fortnight', 'failed to parse duration @every fortnight: time: invalid duration "fortnight"'],
    ['-5 * * * *', 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax'],
    ['99999999999999999999 * * * *', 'failed to parse int from 99999999999999999999: strconv.Atoi: parsing "99999999999999999999": value out of range'],
  ];
  for (const [schedule, message] of refused) {
    test(`cron schedule ${JSON.stringify(schedule)} is refused: ${message}`, () => {
      assert.throws(() => parseSchedule(schedule), (e: unknown) => e instanceof ScheduleError && e.message === message);
    });
  }

  const next: [schedule: string, zone: string, after: string, expected: string][] = [
    ['* * * * *', 'UTC', '2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z'],
    ['* * * * *', 'UTC', '2026-01-01T00:00:30Z', '2026-01-01T00:01:00Z'],
    ['*/15 * * * *', 'UTC', '2026-01-01T00:16:00Z', '2026-01-01T00:30:00Z'],
    ['0 3 * * *', 'UTC', '2026-01-01T03:00:00Z', '2026-01-02T03:00:00Z'],
    ['0 9 * * mon-fri', 'UTC', '2026-01-02T10:00:00Z', '2026-01-05T09:00:00Z'],
    ['0 0 1 jan *', 'UTC', '2026-06-01T00:00:00Z', '2027-01-01T00:00:00Z'],
    // A restricted day of month and day of week: either matches (13th, or a Friday).
    ['0 0 13 * 5', 'UTC', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z'],
    // A star in either: both must (Fridays only).
    ['0 0 * * 5', 'UTC', '2026-01-03T00:00:00Z', '2026-01-09T00:00:00Z'],
    ['@hourly', 'UTC', '2026-01-01T00:59:59Z', '2026-01-01T01:00:00Z'],
    ['@weekly', 'UTC', '2026-01-01T00:00:00Z', '2026-01-04T00:00:00Z'],
    ['@every 90m', 'UTC', '2026-01-01T00:00:10Z', '2026-01-01T01:30:10Z'],
    ['0 9 * * *', 'Asia/Tokyo', '2026-01-01T00:00:00Z', '2026-01-02T09:00:00+09:00'],
    // Paris moves to summer time at 02:00 on 29 March 2026: 02:30 does not exist that day.
    ['30 2 * * *', 'Europe/Paris', '2026-03-28T12:00:00Z', '2026-03-30T02:30:00+02:00'],
    ['0 12 * * *', 'Europe/Paris', '2026-03-28T12:00:00Z', '2026-03-29T12:00:00+02:00'],
    ['0 0 31 2 *', 'UTC', '2026-01-01T00:00:00Z', 'never'],
  ];
  for (const [schedule, zone, after, expected] of next) {
    test(`cron schedule ${JSON.stringify(schedule)} in ${zone} after ${after} fires at ${expected}`, () => {
      const at = parseSchedule(schedule).next(Date.parse(after), zone);
      assert.equal(at === undefined ? 'never' : formatInZone(at, zone), expected);
    });
  }

  test('cron schedule @every 0s is accepted, as a second', () => {
    assert.equal(parseSchedule('@every 0s').next(0, 'UTC'), 1000);
  });

  test('cron time zones are IANA names as the zone database spells them', () => {
    for (const zone of ['UTC', 'GMT', 'Etc/GMT+5', 'Europe/Paris', 'Europe/Kyiv', 'Asia/Calcutta', 'America/Argentina/Buenos_Aires', 'US/Eastern', 'EST5EDT']) assert.equal(unknownTimeZone(zone), undefined, zone);
    for (const zone of ['Mars/Olympus', 'europe/paris', 'Europe/Paris/', '../etc']) assert.equal(unknownTimeZone(zone), `unknown time zone ${zone}`, zone);
  });
});
