/** What the workload controllers read from a pod's status: active, ready, available, and the order to delete in. */
import { metaOf, type Obj } from '../api/object-meta.js';

interface PodCondition { type: string; status: string; lastTransitionTime?: string }
interface PodStatus { phase?: string; conditions?: PodCondition[]; containerStatuses?: { restartCount?: number }[] }

function statusOf(pod: Obj): PodStatus {
  return (pod['status'] ?? {});
}

/** Neither finished nor being deleted (controller.IsPodActive). */
export function isActive(pod: Obj): boolean {
  const phase = statusOf(pod).phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && metaOf(pod).deletionTimestamp === undefined;
}

/** Being deleted but not finished: what status.terminatingReplicas counts. */
export function isTerminating(pod: Obj): boolean {
  const phase = statusOf(pod).phase;
  return metaOf(pod).deletionTimestamp !== undefined && phase !== 'Succeeded' && phase !== 'Failed';
}

/** Its Ready condition is True. */
export function isReady(pod: Obj): boolean {
  return (statusOf(pod).conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** When it became ready, in ms, if it is. */
function readySince(pod: Obj): number | undefined {
  const condition = (statusOf(pod).conditions ?? []).find((c) => c.type === 'Ready' && c.status === 'True');
  return condition?.lastTransitionTime === undefined ? undefined : Date.parse(condition.lastTransitionTime);
}

/** Ready for at least minReadySeconds at `now` (podutil.IsPodAvailable). */
export function isAvailable(pod: Obj, minReadySeconds: number, now: Date): boolean {
  if (!isReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = readySince(pod);
  return since !== undefined && now.getTime() - since >= minReadySeconds * 1000;
}

/** How long until a ready pod becomes available, in ms (0 when it is, or never will be without a change). */
export function untilAvailable(pod: Obj, minReadySeconds: number, now: Date): number {
  const since = readySince(pod);
  if (minReadySeconds <= 0 || since === undefined || !isReady(pod)) return 0;
  return Math.max(0, since + minReadySeconds * 1000 - now.getTime());
}

const PHASE_RANK: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * Compares two pods as the ReplicaSet controller ranks them for deletion (controller.ActivePods'
 * Less): the one to delete first sorts first. Unscheduled before scheduled, pending before
 * unknown before running, not ready before ready, ready for less time before longer, more
 * restarts before fewer, newer before older.
 */
export function deleteFirst(a: Obj, b: Obj): number {
  const node = (p: Obj): number => (((p['spec'] ?? {}) as { nodeName?: string }).nodeName ? 1 : 0);
  if (node(a) !== node(b)) return node(a) - node(b);
  const phase = (p: Obj): number => PHASE_RANK[statusOf(p).phase ?? 'Pending'] ?? 0;
  if (phase(a) !== phase(b)) return phase(a) - phase(b);
  const ready = (p: Obj): number => (isReady(p) ? 1 : 0);
  if (ready(a) !== ready(b)) return ready(a) - ready(b);
  const sinceA = readySince(a);
  const sinceB = readySince(b);
  if (isReady(a) && isReady(b) && sinceA !== undefined && sinceB !== undefined && sinceA !== sinceB) return sinceB - sinceA;
  const restarts = (p: Obj): number => Math.max(0, ...(statusOf(p).containerStatuses ?? []).map((c) => c.restartCount ?? 0));
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  const created = (p: Obj): number => Date.parse(metaOf(p).creationTimestamp ?? '') || 0;
  return created(b) - created(a);
}
