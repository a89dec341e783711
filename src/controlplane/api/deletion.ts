/**
 * What a DELETE does to an object, as kube-apiserver's generic registry decides it: graceful
 * deletion for pods on a node, finalizers for garbage collection (orphan, foreground), and
 * namespaces that terminate before they go.
 */
import { metaOf, timestamp, withMeta, type Obj } from './object-meta.js';
import type { ResourceInfo } from './resources.js';

export type PropagationPolicy = 'Orphan' | 'Background' | 'Foreground';

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: PropagationPolicy;
  /** The deprecated form of propagationPolicy Orphan. */
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface DeletionPlan {
  /** Remove the object from the store now. */
  remove: boolean;
  /** Otherwise, store this (marked for deletion), or nothing when there is nothing to change. */
  object?: Obj;
}

export const ORPHAN_FINALIZER = 'orphan';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

export function planDeletion(info: ResourceInfo, current: Obj, options: DeleteOptions, now: Date): DeletionPlan {
  const meta = metaOf(current);
  const finalizers = propagate(meta.finalizers ?? [], options);
  const changedFinalizers = !sameList(finalizers, meta.finalizers ?? []);
  const grace = gracePeriod(info, current, options);

  if (info.resource === 'namespaces') return planNamespace(current, finalizers, now);

  if (meta.deletionTimestamp !== undefined) {
    const remaining = meta.deletionGracePeriodSeconds ?? 0;
    // A second delete may only shorten the grace period; a force delete (0) ends it.
    if (grace < remaining) {
      if (grace === 0 && finalizers.length === 0) return { remove: true };
      return { remove: false, object: withMeta(current, { deletionTimestamp: later(now, grace), deletionGracePeriodSeconds: grace, finalizers: nonEmpty(finalizers) }) };
    }
    if (remaining === 0 && finalizers.length === 0) return { remove: true };
    return changedFinalizers ? { remove: false, object: withMeta(current, { finalizers: nonEmpty(finalizers) }) } : { remove: false };
  }
  if (grace === 0 && finalizers.length === 0) return { remove: true };
  return {
    remove: false,
    object: withMeta(current, { deletionTimestamp: later(now, grace), deletionGracePeriodSeconds: grace, finalizers: nonEmpty(finalizers) }),
  };
}

/** A namespace first terminates: its controller empties it, then removes the `kubernetes` finalizer. */
function planNamespace(current: Obj, finalizers: string[], now: Date): DeletionPlan {
  const meta = metaOf(current);
  const specFinalizers = ((current['spec'] as { finalizers?: string[] } | undefined)?.finalizers) ?? [];
  if (meta.deletionTimestamp !== undefined) {
    if (specFinalizers.length === 0 && finalizers.length === 0) return { remove: true };
    return sameList(finalizers, meta.finalizers ?? []) ? { remove: false } : { remove: false, object: withMeta(current, { finalizers: nonEmpty(finalizers) }) };
  }
  if (specFinalizers.length === 0 && finalizers.length === 0) return { remove: true };
  const marked = withMeta(current, { deletionTimestamp: timestamp(now), deletionGracePeriodSeconds: 0, finalizers: nonEmpty(finalizers) });
  return { remove: false, object: { ...marked, status: { ...(current['status'] as Obj | undefined), phase: 'Terminating' } } };
}

/** The pod's grace period: the request's, else the pod's own; 0 for pods on no node or already ended. */
function gracePeriod(info: ResourceInfo, current: Obj, options: DeleteOptions): number {
  if (info.resource !== 'pods') return 0;
  const spec = (current['spec'] ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
  const phase = (current['status'] as { phase?: string } | undefined)?.phase;
  if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
  const requested = options.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
  // As upstream: a negative period means "as soon as possible", which is 1 second for a running pod.
  return requested < 0 ? 1 : requested;
}

function propagate(finalizers: readonly string[], options: DeleteOptions): string[] {
  const policy = options.propagationPolicy ?? (options.orphanDependents === true ? 'Orphan' : options.orphanDependents === false ? 'Background' : undefined);
  const without = finalizers.filter((f) => f !== ORPHAN_FINALIZER && f !== FOREGROUND_FINALIZER);
  if (policy === 'Orphan') return [...without, ORPHAN_FINALIZER];
  if (policy === 'Foreground') return [...without, FOREGROUND_FINALIZER];
  if (policy === 'Background') return without;
  return [...finalizers];
}

function later(now: Date, seconds: number): string {
  return timestamp(new Date(now.getTime() + seconds * 1000));
}

function nonEmpty(list: string[]): string[] | undefined {
  return list.length > 0 ? list : undefined;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
