/**
 * Grace periods as the runtime uses them. The API admits any int64 number of seconds, and a
 * value above 2^53 reaches hostpod as an inexact JavaScript number: every non-negative number is
 * accepted and clamped where time arithmetic needs a bound.
 */

/** The longest grace the monitor keeps (a C int of seconds: 68 years, for ever in practice). */
export const MAX_GRACE_SECONDS = 2 ** 31 - 1;

/** A grace period in whole seconds the monitor can hold: negative is 0, fractions round down, huge or infinite is MAX_GRACE_SECONDS. */
export function clampGraceSeconds(seconds: number): number {
  if (Number.isNaN(seconds) || seconds <= 0) return 0;
  return Math.min(Math.floor(seconds), MAX_GRACE_SECONDS);
}

/** The longest delay setTimeout keeps (a longer one fires at once, with a warning). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A delay for setTimeout: negative or NaN is 0, anything beyond ~24.8 days is MAX_TIMER_MS ("for ever" for a hook or a probe). */
export function timerMs(ms: number): number {
  if (Number.isNaN(ms) || ms <= 0) return 0;
  return Math.min(ms, MAX_TIMER_MS);
}
