/**
 * Clients' event writes behind the work they report. A kubelet (or hostpod's node agent) sends
 * three events for each pod it starts, through a client of their own at up to 50 a second; a
 * kube-apiserver serves them on goroutines of their own, beside the bindings and status updates
 * of the pods themselves. Here one thread serves every request and runs the controllers, so while
 * that thread is busy (thread-room.ts) and the events come in a burst (more than EVENT_WRITE_BURST
 * in the last second: a pod's few never wait), the creates, updates and patches of events wait
 * for room, first come first served, for at most their longest wait; then they are served as any
 * request.
 * A wait that runs out opens the way: until the thread next has room, event writes go at once,
 * so that a thread busy for long holds each client's events back by that wait once, not once per
 * event (client-go's broadcaster writes them one after the other, from a queue of its own, and
 * would fall behind for good). The admin's requests (system:masters, API Priority and Fairness's
 * exempt level) never wait. A client sees an event write answered later, never refused.
 */
import { ThreadRoom, ROOM_TICK_MS } from '../thread-room.js';

/** The longest an event write waits for room. */
export const EVENT_WRITE_MAX_WAIT_MS = 5_000;
/** Event writes in the last second beyond which they come in a burst, and may wait. */
export const EVENT_WRITE_BURST = 20;
const BURST_WINDOW_MS = 1_000;

export interface EventWriteTiming {
  tickMs: number;
  maxWaitMs: number;
  /** Event writes in the last second beyond which they may wait (EVENT_WRITE_BURST). */
  burst: number;
}

interface Waiting {
  until: number;
  go: () => void;
}

export class EventWriteTurns {
  readonly #room: ThreadRoom;
  readonly #maxWaitMs: number;
  readonly #burst: number;
  /** When the event writes of the last second came, oldest first. */
  #arrivals: number[] = [];
  #waiting: Waiting[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** A wait ran out while the thread stayed busy: writes go at once until it has room again. */
  #open = false;

  constructor(timing: Partial<EventWriteTiming> = {}) {
    this.#room = new ThreadRoom(timing.tickMs ?? ROOM_TICK_MS);
    this.#maxWaitMs = timing.maxWaitMs ?? EVENT_WRITE_MAX_WAIT_MS;
    this.#burst = timing.burst ?? EVENT_WRITE_BURST;
  }

  /** Event writes waiting for room now. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Resolves when an event write may be served; undefined when it may be at once. */
  turn(): Promise<void> | undefined {
    const now = performance.now();
    this.#arrivals.push(now);
    while (this.#arrivals[0]! <= now - BURST_WINDOW_MS) this.#arrivals.shift();
    if (this.#room.hasRoom()) this.#open = false;
    else if (!this.#open && this.#arrivals.length > this.#burst) return this.#wait();
    return this.#waiting.length === 0 ? undefined : this.#wait();
  }

  #wait(): Promise<void> {
    return new Promise((resolve) => {
      this.#waiting.push({ until: performance.now() + this.#maxWaitMs, go: resolve });
      this.#timer ??= setTimeout(() => this.#tick(), this.#room.tickMs);
    });
  }

  /** Lets every waiting write go (the server stops). */
  release(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const w of waiting) w.go();
  }

  #tick(): void {
    this.#timer = undefined;
    if (this.#room.hasRoom()) {
      this.#open = false;
      return this.release();
    }
    // The oldest has waited long enough: it goes, and with it every write until the thread has room.
    if (this.#waiting[0]!.until <= performance.now()) {
      this.#open = true;
      return this.release();
    }
    this.#timer = setTimeout(() => this.#tick(), this.#room.tickMs);
  }
}

/** Whether a request writes events: a create, update or patch of core/v1 or events.k8s.io Events. */
export function isEventWrite(verb: string, group: string, resource: string, subresource: string | undefined): boolean {
  return resource === 'events' && subresource === undefined && (group === '' || group === 'events.k8s.io') && (verb === 'create' || verb === 'update' || verb === 'patch');
}
