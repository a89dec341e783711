/**
 * Watches: newline-delimited JSON events over one chunked response, from a revision, with
 * bookmarks, selector transitions (an object that stops matching is DELETED for this watch) and
 * 410 Gone after compaction, as kube-apiserver's watch cache serves them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { stringifyJson } from '../../api/json/index.js';
import type { Filter, ObjectApi } from '../api/object-api.js';
import type { Obj } from '../api/object-meta.js';
import { groupVersion, storeResource, type ResourceInfo } from '../api/resources.js';
import { badRequest, gone } from '../api/status-error.js';
import { RevisionCompacted, type Change } from '../store/index.js';

export interface WatchOptions {
  info: ResourceInfo;
  filter: Filter;
  resourceVersion?: string;
  allowBookmarks: boolean;
  timeoutSeconds: number;
  bookmarkIntervalMs: number;
  /** Turns an object into what the client asked for (the object itself, or a Table). */
  encode: (object: Obj) => unknown;
}

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** Most a slow client may fall behind before its watch is ended (it will relist). */
const MAX_BUFFERED = 16 * 1024 * 1024;

/** @throws StatusError 400 for a malformed resourceVersion (before any byte is sent) */
export function serveWatch(api: ObjectApi, request: IncomingMessage, response: ServerResponse, options: WatchOptions): void {
  const { info, filter } = options;
  const rv = options.resourceVersion ?? '';
  if (rv !== '' && !/^\d+$/.test(rv)) throw badRequest(`invalid resource version: ${rv}`);

  response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  response.flushHeaders();
  let open = true;
  const send = (type: EventType, object: unknown): void => {
    if (!open) return;
    response.write(`${stringifyJson({ type, object })}\n`);
    if (response.writableLength > MAX_BUFFERED) stop();
  };

  const deliver = (change: Change): void => {
    const now = api.matches(info, filter, change.object);
    const before = change.previous !== undefined && api.matches(info, filter, change.previous);
    if (change.type === 'ADDED' && now) send('ADDED', options.encode(change.object));
    else if (change.type === 'DELETED' && (before || now)) send('DELETED', options.encode(change.object));
    else if (change.type === 'MODIFIED') {
      if (now && before) send('MODIFIED', options.encode(change.object));
      else if (now) send('ADDED', options.encode(change.object));
      else if (before) send('DELETED', options.encode(change.object));
    }
  };

  let unsubscribe = (): void => {};
  const timers: { timeout?: NodeJS.Timeout; bookmarks?: NodeJS.Timeout } = {};
  const stop = (): void => {
    if (!open) return;
    open = false;
    unsubscribe();
    clearTimeout(timers.timeout);
    clearInterval(timers.bookmarks);
    response.end();
  };
  request.on('close', stop);
  response.on('error', stop);

  // Replay and subscription happen in one synchronous step, so no change falls between them.
  try {
    if (rv === '' || rv === '0') {
      // "Start at most recent": the current objects as ADDED, then every change after them.
      for (const item of api.list(info, filter.namespace, {}).items) {
        if (api.matches(info, filter, item)) send('ADDED', options.encode(item));
      }
    } else {
      for (const change of api.store.changesSince(storeResource(info), Number(rv))) deliver(change);
    }
  } catch (error) {
    if (!(error instanceof RevisionCompacted)) throw error;
    send('ERROR', gone(error.message).toStatus());
    stop();
    return;
  }
  unsubscribe = api.store.subscribe(storeResource(info), deliver);

  timers.timeout = setTimeout(stop, options.timeoutSeconds * 1000);
  if (options.allowBookmarks) {
    // Every change up to the store's revision has been sent (delivery is synchronous), so a
    // bookmark at that revision is safe to resume from.
    timers.bookmarks = setInterval(() => {
      send('BOOKMARK', { kind: info.kind, apiVersion: groupVersion(info), metadata: { resourceVersion: String(api.store.revision) } });
    }, options.bookmarkIntervalMs);
  }
}
