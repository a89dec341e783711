/**
 * The controllers' work queue retries a failed sync as client-go's default controller rate
 * limiter does: 5 ms, doubling with each failure in a row, at most 1000 s, and from 5 ms again
 * once the key syncs.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DRAIN_SLICE_MS, retryDelayMs, WorkQueue, type SyncResult } from '../../src/controlplane/controllers/work-queue.js';

const quiet = (): void => undefined;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('work queue', () => {
  test('work queue syncs many keys in turns of a few milliseconds, letting other work run between them, each key once and in order', async () => {
    const synced: string[] = [];
    const busy = (ms: number): void => {
      const until = performance.now() + ms;
      while (performance.now() < until) { /* a sync's work */ }
    };
    const queue = new WorkQueue('test', (key): SyncResult => {
      synced.push(key);
      busy(2);
    }, quiet);
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
    for (const key of keys) queue.add(key);
    // A timer due now runs at the next turn: between two turns of the queue, not after all 40 syncs.
    let seenAt = -1;
    setTimeout(() => (seenAt = synced.length), 0);
    queue.add('k0');
    await sleep(40 * 2 + 200);
    assert.deepEqual(synced, keys);
    assert.ok(seenAt > 0 && seenAt < keys.length, `a timer ran between turns (after ${seenAt} of ${keys.length} syncs; turns of ${DRAIN_SLICE_MS} ms)`);
    // A key added while it waits is still synced once; one added after its sync is synced again.
    queue.add('k39');
    await sleep(20);
    assert.deepEqual(synced.slice(keys.length), ['k39']);
  });

  test('work queue: addSoon gathers a burst of changes into one sync after its delay; a key already queued, or synced meanwhile, is not synced again', async () => {
    const synced: string[] = [];
    const queue = new WorkQueue('test', (key): SyncResult => {
      synced.push(key);
    }, quiet);
    // Three changes 10 ms apart: one sync, 50 ms after the first.
    queue.addSoon('burst', 50);
    await sleep(10);
    queue.addSoon('burst', 50);
    await sleep(10);
    queue.addSoon('burst', 50);
    await sleep(15);
    assert.deepEqual(synced, [], 'nothing synced before the delay');
    await sleep(60);
    assert.deepEqual(synced, ['burst']);
    // A key queued now takes a later change with it.
    queue.add('now');
    queue.addSoon('now', 50);
    // A key synced now (for another reason) does not sync again when its delay ends.
    queue.addSoon('both', 50);
    queue.add('both');
    await sleep(100);
    assert.deepEqual(synced, ['burst', 'now', 'both']);
    queue.stop();
  });

  test('work queue commits each turn\'s writes as one batch, and syncs a turn\'s keys again when its commit fails', async () => {
    const turns: string[][] = [];
    let current: string[] | undefined;
    let failNext = true;
    const writes = {
      group<T>(fn: () => T, lost?: (error: unknown) => void): T {
        current = [];
        const result = fn();
        turns.push(current);
        current = undefined;
        if (failNext) {
          // As the store's commit at the end of the event loop's turn fails: after the turn.
          failNext = false;
          setImmediate(() => lost?.(new Error('disk I/O error')));
        }
        return result;
      },
    };
    const queue = new WorkQueue('test', (key): SyncResult => {
      assert.ok(current, `${key} synced inside a group`);
      current.push(key);
    }, quiet, writes);
    queue.add('a');
    queue.add('b');
    await sleep(100);
    // The first turn's commit failed: both keys synced again (after 5 ms), in a turn of their own,
    // or in two when their retry timers were set in different milliseconds (a CI run's did).
    assert.deepEqual(turns[0], ['a', 'b']);
    assert.deepEqual(turns.slice(1).flat().sort(), ['a', 'b']);
    assert.ok(turns.length <= 3, `${turns.length} turns`);
    assert.equal(queue.failures('a'), 0);
  });

  test('work queue retry delays double from 5 ms up to 1000 s', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 11].map(retryDelayMs), [5, 10, 20, 40, 80, 5120]);
    assert.equal(retryDelayMs(18), 655_360);
    assert.equal(retryDelayMs(19), 1_000_000);
    assert.equal(retryDelayMs(500), 1_000_000);
  });

  test('work queue retries a failing key with back-off until it syncs, then forgets its failures', async () => {
    const calls: number[] = [];
    let failUntil = 4;
    const queue = new WorkQueue('test', (): SyncResult => {
      calls.push(Date.now());
      return calls.length < failUntil ? { failed: 'not yet' } : undefined;
    }, quiet);
    queue.add('k');
    await sleep(300);
    // Failures 1, 2 and 3 are retried after 5, 10 and 20 ms; the fourth sync succeeds.
    assert.equal(calls.length, 4);
    assert.equal(queue.failures('k'), 0);
    const gaps = calls.slice(1).map((t, i) => t - calls[i]!);
    assert.ok(gaps[2]! >= 18, `the third retry waits ~20 ms (gaps ${gaps.join(', ')})`);

    // A thrown error counts as a failure too, and the count starts again from 1.
    failUntil = 0;
    let thrown = 0;
    const throwing = new WorkQueue('test', () => {
      thrown++;
      throw new Error('boom');
    }, quiet);
    throwing.add('k');
    await sleep(100);
    throwing.stop();
    assert.ok(thrown >= 3 && thrown <= 6, `retried with back-off, not in a loop (${thrown} syncs in 100 ms)`);
    queue.stop();
  });

  test('work queue keeps the sooner of two requested times', async () => {
    let syncs = 0;
    const queue = new WorkQueue('test', () => {
      syncs++;
    }, quiet);
    queue.addAfter('k', 60_000);
    queue.addAfter('k', 10);
    await sleep(100);
    assert.equal(syncs, 1);
    queue.stop();
  });
});
