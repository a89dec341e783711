import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clampGraceSeconds, MAX_GRACE_SECONDS, MAX_TIMER_MS, timerMs } from '../../src/runtime/grace.js';

/** int64's largest value as JSON.parse reads it from a pod: 2^63, not exact. */
const INT64_MAX = Number('9223372036854775807');

for (const [seconds, kept] of [
  [30, 30],
  [0, 0],
  [-5, 0],
  [NaN, 0],
  [2.9, 2],
  [2 ** 31 - 1, MAX_GRACE_SECONDS],
  [2 ** 31, MAX_GRACE_SECONDS],
  [INT64_MAX, MAX_GRACE_SECONDS],
  [1e300, MAX_GRACE_SECONDS],
  [Infinity, MAX_GRACE_SECONDS],
] as const) {
  test(`clampGraceSeconds keeps ${seconds} s as ${kept} s`, () => {
    assert.equal(clampGraceSeconds(seconds), kept);
  });
}

for (const [ms, kept] of [
  [1000, 1000],
  [-1, 0],
  [NaN, 0],
  [2 ** 31 - 1, MAX_TIMER_MS],
  [INT64_MAX * 1000, MAX_TIMER_MS],
  [Infinity, MAX_TIMER_MS],
] as const) {
  test(`timerMs bounds a ${ms} ms delay to ${kept} ms`, () => {
    assert.equal(timerMs(ms), kept);
  });
}
