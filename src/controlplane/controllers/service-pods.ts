/**
 * What the endpoints and endpointslice controllers share: the pods a Service selects, which
 * Services a pod's change concerns, and the time of the last change that moved the endpoints
 * (the `endpoints.kubernetes.io/last-change-trigger-time` annotation).
 */
import type { Change } from '../store/watch-hub.js';
import { metaOf, type Obj } from '../api/object-meta.js';
import { resource, type ControllerContext } from './context.js';
import type { WorkQueue } from './work-queue.js';

export const TRIGGER_TIME_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

/** The Service's selector, or undefined for a Service without one (its endpoints are the user's). */
export function selectorOf(service: Obj): Record<string, string> | undefined {
  const selector = (service['spec'] as { selector?: unknown } | undefined)?.selector;
  return typeof selector === 'object' && selector !== null ? (selector as Record<string, string>) : undefined;
}

function selects(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

/** The pods of the Service's namespace its selector matches. */
export function selectedPods(context: ControllerContext, service: Obj, selector: Record<string, string>): Obj[] {
  return context.api.list(resource('pods'), metaOf(service).namespace ?? '').items.filter((pod) => selects(selector, metaOf(pod).labels));
}

/** Queues the Services (`namespace/name`) a pod's change may move: those selecting it before or after. */
export function queueServicesOfPod(context: ControllerContext, queue: WorkQueue, change: Change): void {
  const namespace = change.key.namespace;
  const labels = [metaOf(change.object).labels, change.previous ? metaOf(change.previous).labels : undefined];
  for (const service of context.api.list(resource('services'), namespace).items) {
    const selector = selectorOf(service);
    if (selector && labels.some((l) => selects(selector, l))) queue.add(`${namespace}/${metaOf(service).name ?? ''}`);
  }
}

/**
 * The `endpoints.kubernetes.io/last-change-trigger-time` of a Service's endpoints, as upstream's
 * trigger time tracker computes it: the earliest of the changes seen since the last sync (the
 * Service's creation when it is new, each pod's Ready transition time that moved); undefined
 * when nothing it tracks changed (the annotation is then removed).
 */
export class TriggerTimeTracker {
  readonly #seen = new Map<string, Map<string, string>>();

  compute(service: Obj, pods: readonly Obj[]): string | undefined {
    const key = `${metaOf(service).namespace ?? ''}/${metaOf(service).name ?? ''}`;
    const previous = this.#seen.get(key);
    const changed: string[] = previous ? [] : [metaOf(service).creationTimestamp ?? ''];
    const next = new Map<string, string>();
    for (const pod of pods) {
      const conditions = ((pod['status'] as { conditions?: { type?: string; lastTransitionTime?: string }[] } | undefined)?.conditions) ?? [];
      const time = conditions.find((c) => c.type === 'Ready')?.lastTransitionTime;
      if (!time) continue;
      const uid = metaOf(pod).uid ?? '';
      next.set(uid, time);
      if (previous?.get(uid) !== time) changed.push(time);
    }
    this.#seen.set(key, next);
    return changed.filter((t) => t !== '').sort()[0];
  }

  forget(namespace: string, name: string): void {
    this.#seen.delete(`${namespace}/${name}`);
  }
}

/** The annotations with the trigger time set, or removed when there is none. */
export function withTriggerTime(annotations: Record<string, string> | undefined, time: string | undefined): Record<string, string> {
  const { [TRIGGER_TIME_ANNOTATION]: _previous, ...rest } = annotations ?? {};
  void _previous;
  return time === undefined ? rest : { ...rest, [TRIGGER_TIME_ANNOTATION]: time };
}

/** The labels a Service's endpoints carry: the Service's own, the headless mark, and the controller's. */
export function endpointLabels(service: Obj, own: Record<string, string>): Record<string, string> {
  const spec = service['spec'] as { clusterIP?: string } | undefined;
  return { ...(metaOf(service).labels ?? {}), ...(spec?.clusterIP === 'None' ? { [HEADLESS_LABEL]: '' } : {}), ...own };
}
