/**
 * Recording events about objects, as client-go's event recorders do: one Event per object,
 * reason and message. The core/v1 recorder (the controller manager's) counts repeats in count and
 * lastTimestamp; the events.k8s.io recorder (kube-scheduler's) writes an eventTime, an action and
 * its reporting instance, and counts repeats in a series.
 */
import { hostname } from 'node:os';
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
  /** What the component was doing (`Scheduling`, `Binding`): recorded as the events.k8s.io recorder records it. */
  action?: string;
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function recordEvent(api: ObjectApi, object: Obj, event: EventSpec): void {
  const events = resource('events');
  const meta = metaOf(object);
  const namespace = meta.namespace || 'default';
  const now = timestamp(api.now());
  const existing = api.list(events, namespace, {
    ...(meta.uid ? { referencing: meta.uid } : {}),
    fieldSelector: `involvedObject.uid=${meta.uid ?? ''},reason=${event.reason}`,
  }).items.find((e) => e['message'] === event.message && e['type'] === event.type);
  const { action } = event;
  try {
    if (existing) {
      api.mutate(events, namespace, metaOf(existing).name ?? '', (e) => {
        if (action === undefined) return { ...e, count: Number(e['count'] ?? 1) + 1, lastTimestamp: now };
        const series = e['series'] as { count?: number } | undefined;
        return { ...e, series: { count: (series?.count ?? 1) + 1, lastObservedTime: microTime(api.now()) } };
      }, AS_CONTROLLER);
      return;
    }
    const common = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${meta.name ?? ''}.${(Date.now() * 1e6 + Math.floor(Math.random() * 1e6)).toString(16)}`, namespace },
      involvedObject: {
        kind: object['kind'], namespace: meta.namespace, name: meta.name, uid: meta.uid,
        apiVersion: object['apiVersion'], resourceVersion: meta.resourceVersion,
      },
      reason: event.reason,
      message: event.message,
      type: event.type,
      reportingComponent: event.component,
    };
    api.create(events, namespace, action === undefined
      ? { ...common, source: { component: event.component }, firstTimestamp: now, lastTimestamp: now, count: 1, eventTime: null, reportingInstance: '' }
      // As read through core/v1: no source, count or timestamps of the old API; the instance is the component on this host.
      : { ...common, source: {}, firstTimestamp: null, lastTimestamp: null, eventTime: microTime(api.now()), action, reportingInstance: `${event.component}-${hostname()}` },
      AS_CONTROLLER);
  } catch (error) {
    // An event is best effort: a namespace being deleted refuses it, and that is fine.
    if (error instanceof StatusError && [403, 404, 409].includes(error.code)) return;
    throw error;
  }
}
