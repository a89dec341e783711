/**
 * The controllers' events (src/controlplane/controllers/events.ts): repeats counted in memory, as
 * client-go's correlator counts them, and, while the control plane's EventBroadcaster runs, events
 * written behind the work of a busy thread, at most a bounded time late, with the time they were
 * recorded at.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { metaOf, type Obj } from '../../src/controlplane/api/object-meta.js';
import { EventBroadcaster, recordEvent, type EventSpec } from '../../src/controlplane/controllers/events.js';
import { ADMIN, resourceOf, startBatchHarness, type BatchHarness } from '../support/batch-harness.js';
import { busyFor, spin } from '../support/busy-thread.js';

const events = resourceOf('events');
const SCALED: EventSpec = { type: 'Normal', reason: 'SuccessfulCreate', message: 'Created pod: web-1', component: 'replicaset-controller' };

let h: BatchHarness;
let owner: Obj;
beforeEach(() => {
  h = startBatchHarness();
  owner = h.api.create(resourceOf('configmaps'), 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web' } }, ADMIN).object;
});
afterEach(() => h.close());

function written(): Obj[] {
  return h.api.list(events, 'default', {}).items;
}

describe('controller events', () => {
  test('without a broadcaster an event is written at once; a repeat counts on it, and one deleted meanwhile is written again', () => {
    recordEvent(h.api, owner, SCALED);
    const [first] = written();
    assert.equal(first?.['count'], 1);
    assert.deepEqual(first?.['involvedObject'], { kind: 'ConfigMap', namespace: 'default', name: 'web', uid: metaOf(owner).uid, apiVersion: 'v1', resourceVersion: metaOf(owner).resourceVersion });
    h.advance(60_000);
    recordEvent(h.api, owner, SCALED);
    const [second, ...more] = written();
    assert.equal(more.length, 0, 'a repeat is counted, not written beside');
    assert.equal(second?.['count'], 2);
    assert.equal(second?.['firstTimestamp'], '2026-01-01T00:00:00Z');
    assert.equal(second?.['lastTimestamp'], '2026-01-01T00:01:00Z');
    recordEvent(h.api, owner, { ...SCALED, message: 'Created pod: web-2' });
    assert.equal(written().length, 2, 'another message is another event');
    h.api.delete(events, 'default', metaOf(second).name ?? '', {}, ADMIN);
    recordEvent(h.api, owner, SCALED);
    const again = written().find((e) => e['message'] === SCALED.message);
    assert.equal(metaOf(again ?? {}).name, metaOf(second).name, 'written again under its name');
    assert.equal(again?.['count'], 3);
  });

  test('the scheduler\'s events count repeats in a series', () => {
    const failed: EventSpec = { type: 'Warning', reason: 'FailedScheduling', message: '0/1 nodes are available', component: 'default-scheduler', action: 'Scheduling' };
    recordEvent(h.api, owner, failed);
    assert.equal(written()[0]?.['series'], undefined);
    h.advance(1_000);
    recordEvent(h.api, owner, failed);
    assert.deepEqual(written()[0]?.['series'], { count: 2, lastObservedTime: '2026-01-01T00:00:01.000000Z' });
    assert.equal(written()[0]?.['eventTime'], '2026-01-01T00:00:00.000000Z');
  });

  test('while a broadcaster runs, an event recorded on a busy thread waits for it to have room, and keeps the time it was recorded at', async () => {
    const broadcaster = new EventBroadcaster(h.api, undefined, { tickMs: 20, maxDelayMs: 60_000 });
    broadcaster.start();
    try {
      spin(50);
      recordEvent(h.api, owner, SCALED);
      recordEvent(h.api, owner, SCALED);
      h.advance(30_000);
      await busyFor(300);
      assert.deepEqual(written(), [], 'not written while the thread had no room');
      const [event, ...more] = await eventuallyWritten(2_000);
      assert.equal(more.length, 0);
      assert.equal(event?.['count'], 2, 'the repeat recorded while it waited is counted on it');
      assert.equal(event?.['firstTimestamp'], '2026-01-01T00:00:00Z', 'the time it was recorded at, not written at');
    } finally {
      broadcaster.stop();
    }
  });

  test('on a quiet thread an event is written once its turn is committed, without waiting for a tick', async () => {
    const broadcaster = new EventBroadcaster(h.api, undefined, { tickMs: 1_000, maxDelayMs: 60_000 });
    broadcaster.start();
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      recordEvent(h.api, owner, SCALED);
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(written().length, 1, 'written in the next turn, not a tick (1 s) later');
    } finally {
      broadcaster.stop();
    }
  });

  test('an event waits behind a busy thread for at most its longest delay', async () => {
    const broadcaster = new EventBroadcaster(h.api, undefined, { tickMs: 20, maxDelayMs: 200 });
    broadcaster.start();
    try {
      spin(50);
      const recorded = performance.now();
      recordEvent(h.api, owner, SCALED);
      let seen: number | undefined;
      await busyFor(1_000, () => {
        seen ??= written().length > 0 ? performance.now() - recorded : undefined;
      });
      assert.ok(seen !== undefined, 'written while the thread stayed busy');
      assert.ok(seen >= 200, `written ${seen.toFixed(0)} ms after it was recorded: not before its longest delay`);
    } finally {
      broadcaster.stop();
    }
  });

  test('stopping the broadcaster writes the events that wait, and later ones at once', async () => {
    const broadcaster = new EventBroadcaster(h.api, undefined, { tickMs: 20, maxDelayMs: 60_000 });
    broadcaster.start();
    spin(50);
    recordEvent(h.api, owner, SCALED);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(written(), [], 'waiting: the thread was busy');
    broadcaster.stop();
    assert.equal(written().length, 1, 'written when the broadcaster stopped');
    recordEvent(h.api, owner, { ...SCALED, message: 'Created pod: web-2' });
    assert.equal(written().length, 2, 'written at once after it stopped');
  });
});

async function eventuallyWritten(timeoutMs: number): Promise<Obj[]> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const found = written();
    if (found.length > 0) return found;
    if (performance.now() > end) assert.fail(`no event written within ${timeoutMs} ms of the thread having room`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
