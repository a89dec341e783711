/**
 * Recording events about objects, as client-go's event recorder does: one Event per object,
 * reason and message, whose count and lastTimestamp grow when it repeats.
 */
import type { ObjectApi } from '../api/object-api.js';
import { metaOf, timestamp, type Obj } from '../api/object-meta.js';
import { StatusError } from '../api/status-error.js';
import { AS_CONTROLLER, resource } from './context.js';

export interface EventSpec {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** The component that reports: `default-scheduler`, `daemonset-controller`. */
  component: string;
}

export function recordEvent(api: ObjectApi, object: Obj, event: EventSpec): void {
  const events = resource('events');
  const meta = metaOf(object);
  const namespace = meta.namespace || 'default';
  const now = timestamp(api.now());
  const existing = api.list(events, namespace, {
    fieldSelector: `involvedObject.uid=${meta.uid ?? ''},reason=${event.reason}`,
  }).items.find((e) => e['message'] === event.message && e['type'] === event.type);
  try {
    if (existing) {
      api.mutate(events, namespace, metaOf(existing).name ?? '', (e) => ({ ...e, count: Number(e['count'] ?? 1) + 1, lastTimestamp: now }), AS_CONTROLLER);
      return;
    }
    api.create(events, namespace, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${meta.name ?? ''}.${(Date.now() * 1e6 + Math.floor(Math.random() * 1e6)).toString(16)}`, namespace },
      involvedObject: {
        kind: object['kind'], namespace: meta.namespace, name: meta.name, uid: meta.uid,
        apiVersion: object['apiVersion'], resourceVersion: meta.resourceVersion,
      },
      reason: event.reason,
      message: event.message,
      source: { component: event.component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type: event.type,
      eventTime: null,
      reportingComponent: event.component,
      reportingInstance: '',
    }, AS_CONTROLLER);
  } catch (error) {
    // An event is best effort: a namespace being deleted refuses it, and that is fine.
    if (error instanceof StatusError && [403, 404, 409].includes(error.code)) return;
    throw error;
  }
}
