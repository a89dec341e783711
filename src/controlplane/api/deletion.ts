/**
 * What a DELETE does to an object, as kube-apiserver's generic registry decides it: finalizers for
 * garbage collection (orphan, foreground), and graceful deletion or a deletion of its own where
 * the resource's definition has one (pods on a node; namespaces, which terminate before they go).
 */
import type { ResourceDefinition } from '../resources/definition.js';
import { metaOf, timestamp, withMeta, type Obj } from './object-meta.js';

export type PropagationPolicy = 'Orphan' | 'Background' | 'Foreground';

export interface DeleteOptions {
  /** An int64: a BigInt beyond 2^53; a larger or fractional number is clamped to one. */
  gracePeriodSeconds?: number | bigint;
  propagationPolicy?: PropagationPolicy;
  /** The deprecated form of propagationPolicy Orphan. */
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface DeletionPlan {
  /** Remove the object from the store now. */
  remove: boolean;
  /**
   * Otherwise, store this (marked for deletion), or nothing when there is nothing to change. With
   * `remove`, the object as marked, stored first: see `planDeletion`.
   */
  object?: Obj;
}

export const ORPHAN_FINALIZER = 'orphan';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

export function planDeletion(info: ResourceDefinition, current: Obj, options: DeleteOptions, now: Date): DeletionPlan {
  const meta = metaOf(current);
  const finalizers = propagate(meta.finalizers ?? [], options);
  const changedFinalizers = !sameList(finalizers, meta.finalizers ?? []);
  // An int64, exact: a BigInt beyond 2^53 (deletionGracePeriodSeconds keeps it as sent).
  const grace = info.gracePeriod?.(current, options.gracePeriodSeconds) ?? 0;

  if (info.planDeletion) return info.planDeletion(current, finalizers, now);

  const marked = (): Obj => withMeta(current, { deletionTimestamp: later(now, grace), deletionGracePeriodSeconds: grace, finalizers: nonEmpty(finalizers) });
  // A resource deleted gracefully (pods) is marked even when no grace is left, then removed: the
  // generic registry's update for graceful deletion comes before its delete, so watchers see
  // the object Terminating before it goes. Other resources go at once.
  const removed = (): DeletionPlan => (info.gracePeriod ? { remove: true, object: marked() } : { remove: true });
  if (meta.deletionTimestamp !== undefined) {
    const remaining: number | bigint = meta.deletionGracePeriodSeconds ?? 0;
    // A second delete may only shorten the grace period; a force delete (0) ends it.
    if (grace < remaining) {
      if (Number(grace) === 0 && finalizers.length === 0) return removed();
      return { remove: false, object: marked() };
    }
    if (Number(remaining) === 0 && finalizers.length === 0) return { remove: true };
    return changedFinalizers ? { remove: false, object: withMeta(current, { finalizers: nonEmpty(finalizers) }) } : { remove: false };
  }
  if (Number(grace) === 0 && finalizers.length === 0) return removed();
  return { remove: false, object: marked() };
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A number as the int64 Go would hold: truncated, clamped to the range, a BigInt beyond 2^53. */
export function int64(value: number | bigint): number | bigint {
  if (typeof value === 'bigint') return value < INT64_MIN ? INT64_MIN : value > INT64_MAX ? INT64_MAX : value;
  if (Number.isNaN(value)) return 0;
  const whole = Math.trunc(value);
  if (Number.isSafeInteger(whole)) return whole;
  return int64(whole === Infinity ? INT64_MAX : whole === -Infinity ? INT64_MIN : BigInt(whole));
}

function propagate(finalizers: readonly string[], options: DeleteOptions): string[] {
  const policy = options.propagationPolicy ?? (options.orphanDependents === true ? 'Orphan' : options.orphanDependents === false ? 'Background' : undefined);
  const without = finalizers.filter((f) => f !== ORPHAN_FINALIZER && f !== FOREGROUND_FINALIZER);
  if (policy === 'Orphan') return [...without, ORPHAN_FINALIZER];
  if (policy === 'Foreground') return [...without, FOREGROUND_FINALIZER];
  if (policy === 'Background') return without;
  return [...finalizers];
}

/**
 * The latest time a deletionTimestamp can hold: metav1.Time is RFC 3339 with a four-digit year,
 * and JavaScript's dates end in the year 275760 anyway.
 */
const LATEST = Date.parse('9999-12-31T23:59:59Z');

/** `now` plus a grace period, clamped to a time clients can parse (a huge period is "never"). */
function later(now: Date, seconds: number | bigint): string {
  const ms = now.getTime() + Number(seconds) * 1000;
  return timestamp(new Date(Math.min(ms, LATEST)));
}

function nonEmpty(list: string[]): string[] | undefined {
  return list.length > 0 ? list : undefined;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
