/**
 * Recording events about objects, as client-go's event recorders do: one Event per object,
 * reason and message. The core/v1 recorder (the controller manager's) counts repeats in count and
 * lastTimestamp; the events.k8s.io recorder (kube-scheduler's) writes an eventTime, an action and
 * its reporting instance, and counts repeats in a series.
 *
 * As in client-go, repeats are found in memory (its EventCorrelator's cache of 4,096 events), not
 * by listing the namespace's events, and the events of a running control plane are sent behind
 * the work they report: client-go's broadcaster hands them to a goroutine of their own, which
 * writes them through the component's rate-limited client while the controller goes on. Here the
 * controllers share the control plane's thread, so while that thread is busy (more than half of
 * the last tick) an event waits until it has room, or for at most MAX_DELAY_MS, and the events
 * waiting then are written together; on a quiet thread an event is written as soon as the turn
 * that recorded it is committed. Each keeps the time it was recorded at. Without a running
 * EventBroadcaster for the API (a controller driven on its own), an event is written at once.
 */
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { ThreadRoom, ROOM_TICK_MS } from '../thread-room.js';
import type { ObjectApi } from '../api/object-api.js';
import { metaOf, timestamp, type Obj } from '../api/object-meta.js';
import { StatusError } from '../api/status-error.js';
import { AS_CONTROLLER, resource, type Controller, type ControllerLog } from './context.js';

export interface EventSpec {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** The component that reports: `default-scheduler`, `daemonset-controller`. */
  component: string;
  /** What the component was doing (`Scheduling`, `Binding`): recorded as the events.k8s.io recorder records it. */
  action?: string;
}

/** How often a waiting event looks for room on the control plane's thread. */
export const TICK_MS = ROOM_TICK_MS;
/** The longest an event waits behind other work. */
export const MAX_DELAY_MS = 5_000;
/** client-go's EventCorrelator keeps this many events to find repeats in (maxLruCacheEntries). */
export const CORRELATED_EVENTS = 4096;

/** How often a waiting event looks for room, and the longest it waits. */
export interface EventTiming {
  tickMs: number;
  maxDelayMs: number;
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** One event as recorded: what it is to be once written, and whether it has been. */
interface Correlated {
  namespace: string;
  /** The Event to create, with its first time; its count and last time are set when it is written. */
  body: Obj;
  /** events.k8s.io: the series counts repeats; core/v1: count and lastTimestamp do. */
  series: boolean;
  count: number;
  last: Date;
  written: boolean;
}

const events = resource('events');
/** This host's name, read once, as kube-scheduler reads it for its reporting instance. */
let host: string | undefined;

/**
 * The events of one control plane's controllers: found again when they repeat, and written either
 * at once or, while an EventBroadcaster runs, when the control plane's thread has room.
 */
class ControllerEvents {
  /** Insertion order is recency: a repeat moves its event to the end, the oldest goes first. */
  readonly #correlated = new Map<string, Correlated>();
  /** Events recorded or repeated since they were last written, in the order they were. */
  readonly #waiting = new Set<Correlated>();
  #deferred = false;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #room = new ThreadRoom();
  #oldest = 0;
  #timing: EventTiming = { tickMs: TICK_MS, maxDelayMs: MAX_DELAY_MS };

  constructor(
    private readonly api: ObjectApi,
    private readonly log: ControllerLog = () => {},
  ) {}

  record(object: Obj, event: EventSpec): void {
    const meta = metaOf(object);
    const namespace = meta.namespace || 'default';
    const now = this.api.now();
    const key = `${meta.uid ?? ''}\0${event.component}\0${event.type}\0${event.reason}\0${event.message}`;
    // Built now: what the object was when the event was recorded.
    const body = this.#body(object, event, namespace, now);
    const fresh = (): Correlated => ({ namespace, body, series: event.action !== undefined, count: 1, last: now, written: false });
    if (!this.#deferred) {
      this.#write(this.#correlate(key, now, fresh));
      return;
    }
    // Sent once what the recording turn wrote is committed: an event about a binding whose commit
    // failed is gone with it, as a client's is never sent when its write fails.
    this.api.store.durable().then(() => {
      const entry = this.#correlate(key, now, fresh);
      if (!this.#deferred) return this.#writeQuietly([entry]);
      if (this.#waiting.size === 0) this.#oldest = performance.now();
      this.#waiting.add(entry);
      if (this.#timer !== undefined) return;
      // A quiet thread writes it at the end of this turn, with the others of the turn, so that
      // `kubectl describe` right after `kubectl wait` shows it, as it does on a real cluster.
      if (this.#room.hasRoom()) this.#immediate ??= setImmediate(() => {
        this.#immediate = undefined;
        this.#writeWaiting();
      });
      else this.#timer = this.#later();
    }, () => {});
  }

  /** The event `key` names, counted once more if it was recorded before, or `fresh`. */
  #correlate(key: string, now: Date, fresh: () => Correlated): Correlated {
    const known = this.#correlated.get(key);
    let entry: Correlated;
    if (known) {
      this.#correlated.delete(key);
      known.count++;
      known.last = now;
      entry = known;
    } else {
      entry = fresh();
    }
    this.#correlated.set(key, entry);
    this.#forgetOldest();
    return entry;
  }

  #later(): NodeJS.Timeout {
    // Not holding the process up: stopping the broadcaster writes what waits.
    return setTimeout(() => this.#tick(), this.#timing.tickMs).unref();
  }

  /** Events from now on wait for room on the thread (see the module's comment). */
  defer(timing: EventTiming): void {
    this.#deferred = true;
    this.#timing = timing;
    this.#room = new ThreadRoom(timing.tickMs);
  }

  /** Writes every waiting event now; later ones are written at once. */
  flush(): void {
    this.#deferred = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    clearImmediate(this.#immediate);
    this.#immediate = undefined;
    this.#writeWaiting();
  }

  #tick(): void {
    this.#timer = undefined;
    if (this.#room.hasRoom() || performance.now() - this.#oldest >= this.#timing.maxDelayMs) this.#writeWaiting();
    else this.#timer = this.#later();
  }

  #writeWaiting(): void {
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    this.#writeQuietly(waiting);
  }

  /** Writes `entries` in one group, logging what fails: nothing waits on an event. */
  #writeQuietly(waiting: readonly Correlated[]): void {
    if (waiting.length === 0) return;
    try {
      // One group: the events waiting are committed together, in one flush to disk.
      this.api.store.group(() => {
        for (const entry of waiting) this.#write(entry);
      }, (error) => this.log('error', 'events not recorded: the store did not commit them', { events: waiting.length, error: String(error) }));
    } catch (error) {
      this.log('error', 'events not recorded', { events: waiting.length, error: String(error) });
    }
  }

  #write(entry: Correlated): void {
    try {
      if (entry.written && this.#repeat(entry)) return;
      // Gone since (collected after its time to live): written again, as client-go writes it, with its name and count.
      this.api.create(events, entry.namespace, this.#counted(entry.body, entry), AS_CONTROLLER);
      entry.written = true;
    } catch (error) {
      // An event is best effort: a namespace being deleted refuses it, and that is fine.
      if (error instanceof StatusError && [403, 404, 409].includes(error.code)) return;
      throw error;
    }
  }

  /** Counts a repeat on the event written before; false when it is gone. */
  #repeat(entry: Correlated): boolean {
    const name = metaOf(entry.body).name ?? '';
    return this.api.mutate(events, entry.namespace, name, (stored) => this.#counted(stored, entry), AS_CONTROLLER) !== undefined;
  }

  /** The event with the entry's count: in a series for events.k8s.io (from the second on), or in count and lastTimestamp. */
  #counted(event: Obj, entry: Correlated): Obj {
    if (!entry.series) return { ...event, count: entry.count, lastTimestamp: timestamp(entry.last) };
    if (entry.count === 1) return event;
    return { ...event, series: { count: entry.count, lastObservedTime: microTime(entry.last) } };
  }

  #body(object: Obj, event: EventSpec, namespace: string, now: Date): Obj {
    const meta = metaOf(object);
    const common = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: '', namespace },
      involvedObject: {
        kind: object['kind'], namespace: meta.namespace, name: meta.name, uid: meta.uid,
        apiVersion: object['apiVersion'], resourceVersion: meta.resourceVersion,
      },
      reason: event.reason,
      message: event.message,
      type: event.type,
      reportingComponent: event.component,
    };
    const body: Obj = event.action === undefined
      ? { ...common, source: { component: event.component }, firstTimestamp: timestamp(now), lastTimestamp: timestamp(now), count: 1, eventTime: null, reportingInstance: '' }
      // As read through core/v1: no source, count or timestamps of the old API; the instance is the component on this host.
      : { ...common, source: {}, firstTimestamp: null, lastTimestamp: null, eventTime: microTime(now), action: event.action, reportingInstance: `${event.component}-${host ??= hostname()}` };
    return { ...body, metadata: { ...common.metadata, name: eventName(body) } };
  }

  #forgetOldest(): void {
    if (this.#correlated.size <= CORRELATED_EVENTS) return;
    for (const [key, entry] of this.#correlated) {
      if (this.#correlated.size <= CORRELATED_EVENTS) return;
      // One still waiting to be written stays until it is.
      if (!this.#waiting.has(entry)) this.#correlated.delete(key);
    }
  }
}

/** client-go's `<object name>.<hex nanoseconds>`, with a random part so that two in one millisecond differ. */
function eventName(event: Obj): string {
  const involved = event['involvedObject'] as { name?: string } | undefined;
  return `${involved?.name ?? ''}.${(Date.now() * 1e6 + Math.floor(Math.random() * 1e6)).toString(16)}`;
}

/** Each ObjectApi's controller events: the controllers of one control plane share them, as kube-controller-manager's share one broadcaster. */
const byApi = new WeakMap<ObjectApi, ControllerEvents>();

function eventsOf(api: ObjectApi): ControllerEvents {
  let found = byApi.get(api);
  if (!found) {
    found = new ControllerEvents(api);
    byApi.set(api, found);
  }
  return found;
}

/** Records an event about `object`: written at once, or behind other work while an EventBroadcaster runs for `api`. */
export function recordEvent(api: ObjectApi, object: Obj, event: EventSpec): void {
  eventsOf(api).record(object, event);
}

/**
 * The control plane's event broadcaster: while it runs, the controllers' events wait for room on
 * the control plane's thread. Stopping it writes those waiting; events recorded after that are
 * written at once.
 */
export class EventBroadcaster implements Controller {
  readonly #events: ControllerEvents;
  readonly #timing: EventTiming;

  constructor(api: ObjectApi, log?: ControllerLog, timing: Partial<EventTiming> = {}) {
    this.#events = new ControllerEvents(api, log);
    this.#timing = { tickMs: timing.tickMs ?? TICK_MS, maxDelayMs: timing.maxDelayMs ?? MAX_DELAY_MS };
    byApi.set(api, this.#events);
  }

  start(): void {
    this.#events.defer(this.#timing);
  }

  stop(): void {
    this.#events.flush();
  }
}
