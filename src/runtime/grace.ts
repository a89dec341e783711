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
