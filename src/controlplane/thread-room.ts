/**
 * Whether the control plane's thread has room for work that can wait: its event loop was busy
 * less than half of the last tick (Node's event-loop utilization, which counts a turn waiting for
 * a core as busy). kube-apiserver and kube-controller-manager run each request and each
 * controller on goroutines of their own, and the controllers' events and the nodes' events go
 * through their own queues and rate limiters; here one thread serves the requests, runs the
 * controllers and commits, so the work nobody waits on (events, status counts) goes behind the
 * rest while that thread is busy.
 */
import { performance } from 'node:perf_hooks';

/** How long the thread's load is judged over. */
export const ROOM_TICK_MS = 100;
/** Below this share of a tick spent working, the thread has room. */
const ROOM = 0.5;
/**
 * Ticks after which a verdict is stale: over so long a stretch the load says little about now
 * (a burst that just began, or one long over), so the thread is taken to have room, and judged
 * again from there a tick later.
 */
const STALE_TICKS = 10;

export class ThreadRoom {
  #since = performance.eventLoopUtilization();
  #judgedAt = performance.now();
  #room = true;

  constructor(readonly tickMs: number = ROOM_TICK_MS) {}

  /**
   * Whether the thread has room: judged over the stretch since it was last judged, again at most
   * once a tick (within a tick, the verdict stands); room after a stretch of STALE_TICKS or more.
   */
  hasRoom(): boolean {
    const at = performance.now();
    if (at - this.#judgedAt >= this.tickMs) {
      const now = performance.eventLoopUtilization();
      this.#room = at - this.#judgedAt >= STALE_TICKS * this.tickMs || performance.eventLoopUtilization(now, this.#since).utilization < ROOM;
      this.#since = now;
      this.#judgedAt = at;
    }
    return this.#room;
  }
}
