/**
 * Whether the control plane's thread has room (src/controlplane/thread-room.ts): judged over the
 * stretch since the last question, at most once a tick; a stretch of many ticks says little about
 * now, so the thread is taken to have room then, and judged again a tick later.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ThreadRoom } from '../../src/controlplane/thread-room.js';
import { busyFor } from '../support/busy-thread.js';

const TICK = 20;

describe('thread room', () => {
  test('busy over the last ticks: no room; quiet: room; within a tick the verdict stands', async () => {
    const room = new ThreadRoom(TICK);
    await busyFor(TICK * 3);
    assert.equal(room.hasRoom(), false, 'busy for three ticks');
    await new Promise((resolve) => setTimeout(resolve, TICK / 4));
    assert.equal(room.hasRoom(), false, 'the verdict stands within the tick');
    await new Promise((resolve) => setTimeout(resolve, TICK * 3));
    assert.equal(room.hasRoom(), true, 'quiet for three ticks');
  });

  test('after a stretch of many ticks unasked, the thread is taken to have room, and judged again a tick later', async () => {
    const room = new ThreadRoom(TICK);
    await busyFor(TICK * 15);
    assert.equal(room.hasRoom(), true, 'fifteen ticks unasked: room, busy or not');
    await busyFor(TICK * 3);
    assert.equal(room.hasRoom(), false, 'judged over the three busy ticks since');
  });
});
