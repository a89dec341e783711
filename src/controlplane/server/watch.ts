/**
 * Watches: newline-delimited JSON events over one chunked response, from a revision, with
 * bookmarks, selector transitions (an object that stops matching is DELETED for this watch) and
 * 410 Gone after compaction, as kube-apiserver's watch cache serves them.
 *
 * A watch subscribes first, then sends its initial events (the current objects, or the changes
 * since its resourceVersion) from one store snapshot, in pieces with backpressure; changes that
 * arrive meanwhile wait in a bounded buffer and follow, from the snapshot's revision on, so none
 * is lost or sent twice. A watch whose buffer overflows is closed, as kube-apiserver closes a
 * watcher that cannot keep up; its client watches again.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ListedItem } from '../api/list-stream.js';
import type { Filter, ObjectApi } from '../api/object-api.js';
import { groupVersion, storeResource, type ResourceDefinition } from '../resources/index.js';
import { badRequest, gone } from '../api/status-error.js';
import { decodeStored, encodeObject, RevisionCompacted, type Change } from '../store/index.js';
import { BodyWriter } from './body-writer.js';
import type { EventEncoder } from './representations.js';

export interface WatchOptions {
  info: ResourceDefinition;
  filter: Filter;
  resourceVersion?: string;
  allowBookmarks: boolean;
  timeoutSeconds: number;
  bookmarkIntervalMs: number;
  /** How the client asked for objects (themselves, their metadata, or Tables). */
  encoder: EventEncoder;
  /** Called once the initial events are sent, or the watch ended before: it gives back its seat. */
  onInitialized?: () => void;
}

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** The longest delay setTimeout takes. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Most a slow client may fall behind, or changes wait behind the initial events, before its watch is ended (it will relist). */
const MAX_BUFFERED = 16 * 1024 * 1024;

/** Each change's event, encoded once for all the watches that send it. */
const shared = new WeakMap<Change, Map<string, Buffer>>();

/** @throws StatusError 400 for a malformed resourceVersion (before any byte is sent) */
export async function serveWatch(api: ObjectApi, request: IncomingMessage, response: ServerResponse, options: WatchOptions): Promise<void> {
  const { info, filter, encoder } = options;
  const rv = options.resourceVersion ?? '';
  if (rv !== '' && !/^\d+$/.test(rv)) throw badRequest(`invalid resource version: ${rv}`);
  const resource = storeResource(info);

  response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  response.flushHeaders();
  const writer = new BodyWriter(response);
  let open = true;
  let initial = true;
  let pending: Change[] = [];
  let pendingBytes = 0;

  const event = (type: EventType, item: ListedItem, change?: Change): string | Buffer => {
    const key = encoder.key;
    if (change === undefined || key === undefined) return `{"type":"${type}","object":${encoder.object(item)}}\n`;
    let byKey = shared.get(change);
    if (!byKey) shared.set(change, (byKey = new Map<string, Buffer>()));
    let encoded = byKey.get(`${type}:${key}`);
    if (!encoded) byKey.set(`${type}:${key}`, (encoded = Buffer.from(`{"type":"${type}","object":${encoder.object(item)}}\n`)));
    return encoded;
  };
  /** The event a change is for this watch, if any: selector transitions turn into ADDED or DELETED. */
  const eventOf = (change: Change): string | Buffer | undefined => {
    const now = api.matches(info, filter, change.object);
    const before = change.previous !== undefined && api.matches(info, filter, change.previous);
    const item: ListedItem = { text: change.text, object: () => change.object, derived: (derive) => derive(change.object) };
    if (change.type === 'ADDED') return now ? event('ADDED', item, change) : undefined;
    if (change.type === 'DELETED') return before || now ? event('DELETED', item, change) : undefined;
    if (now && before) return event('MODIFIED', item, change);
    if (now) return event('ADDED', item, change);
    if (before) return event('DELETED', item, change);
    return undefined;
  };
  const send = (piece: string | Buffer | undefined): void => {
    if (!open || piece === undefined) return;
    response.write(piece);
    if (response.writableLength > MAX_BUFFERED) stop();
  };

  const timers: { timeout?: NodeJS.Timeout; bookmarks?: NodeJS.Timeout } = {};
  const unsubscribe = api.store.subscribe(resource, (change) => {
    if (!initial) return send(eventOf(change));
    pending.push(change);
    pendingBytes += change.text.length;
    if (pendingBytes > MAX_BUFFERED) stop();
  });
  let initialized = false;
  const signalInitialized = (): void => {
    if (initialized) return;
    initialized = true;
    options.onInitialized?.();
  };
  const stop = (): void => {
    if (!open) return;
    open = false;
    unsubscribe();
    pending = [];
    clearTimeout(timers.timeout);
    clearInterval(timers.bookmarks);
    signalInitialized();
    response.end();
  };
  request.on('close', stop);
  response.on('error', stop);
  // setTimeout takes at most 2^31-1 ms (24.8 days); a longer timeout is that, not an overflow to 1 ms.
  timers.timeout = setTimeout(stop, Math.min(Math.max(0, options.timeoutSeconds * 1000), MAX_TIMER_MS));

  let revision: number;
  try {
    revision = rv === '' || rv === '0' ? await sendCurrent(api, options, writer, event, () => open) : await replay(api, resource, Number(rv), writer, eventOf, () => open);
  } catch (error) {
    if (error instanceof RevisionCompacted) {
      send(`{"type":"ERROR","object":${encodeObject(gone(error.message).toStatus())}}\n`);
    } else if (open && !writer.closed) {
      // Headers are sent: a failure can only end the stream, which the client sees as a cut watch.
      response.destroy();
    }
    stop();
    return;
  }
  if (!open) return;
  // The changes that came while the initial events were sent, after the snapshot's revision.
  initial = false;
  for (const change of pending) if (change.revision > revision) send(eventOf(change));
  pending = [];
  signalInitialized();

  if (open && options.allowBookmarks) {
    // Every change up to the store's published revision has been sent (delivery is synchronous
    // from here on), so a bookmark at that revision is safe to resume from; a later one may still
    // wait for its commit.
    timers.bookmarks = setInterval(() => {
      send(`{"type":"BOOKMARK","object":${encodeObject({ kind: info.kind, apiVersion: groupVersion(info), metadata: { resourceVersion: String(api.store.publishedRevision) } })}}\n`);
    }, options.bookmarkIntervalMs);
  }
}

type EventOf = (type: EventType, item: ListedItem) => string | Buffer;

/** "Start at most recent": the current objects as ADDED, from one snapshot; returns its revision. */
async function sendCurrent(api: ObjectApi, options: WatchOptions, writer: BodyWriter, event: EventOf, open: () => boolean): Promise<number> {
  const stream = await api.openStream(options.info, options.filter, {}, options.encoder.objects);
  try {
    for (;;) {
      if (!open()) return stream.revision;
      const piece = stream.take();
      await writer.write(piece.items.map((item) => event('ADDED', item)));
      if (piece.done) return stream.revision;
    }
  } finally {
    stream.close();
  }
}

/** The changes after `from`, from one snapshot; returns its revision. @throws RevisionCompacted */
async function replay(api: ObjectApi, resource: string, from: number, writer: BodyWriter, eventOf: (change: Change) => string | Buffer | undefined, open: () => boolean): Promise<number> {
  if (from < api.store.compactedRevision) throw new RevisionCompacted(from, api.store.compactedRevision);
  // Already current: nothing to replay, and no change can come between subscribing and here.
  // Nothing published after `from`: what comes next is sent as it is published.
  if (from >= api.store.publishedRevision) return Math.min(from, api.store.revision);
  const snapshot = await api.store.snapshot();
  try {
    if (from < snapshot.compacted) throw new RevisionCompacted(from, snapshot.compacted);
    let pieces: (string | Buffer)[] = [];
    let bytes = 0;
    for (const row of snapshot.changes(resource, from)) {
      if (!open()) break;
      const change: Change = {
        type: row.type, revision: row.revision, key: { resource, namespace: row.namespace, name: row.name },
        object: decodeStored(row.value), text: row.value, ...(row.previous === null ? {} : { previous: decodeStored(row.previous) }),
      };
      const piece = eventOf(change);
      if (piece !== undefined) pieces.push(piece);
      bytes += row.value.length;
      if (bytes >= 256 * 1024) {
        await writer.write(pieces);
        pieces = [];
        bytes = 0;
      }
    }
    await writer.write(pieces);
    return snapshot.revision;
  } finally {
    snapshot.close();
  }
}
