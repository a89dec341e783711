/**
 * The shape of a Pod Security check, as pod-security-admission defines it: an ID, a level, and a
 * list of versioned implementations, each in force from its minimum policy version on.
 */
import type { V1ObjectMeta, V1PodSpec } from '@kubernetes/client-node';
import type { Level } from './level.js';

/** The outcome of one check on one pod. */
export interface CheckResult {
  allowed: boolean;
  /** Short reason, e.g. "host namespaces". */
  forbiddenReason?: string;
  /** What exactly is forbidden, e.g. "hostNetwork=true". */
  forbiddenDetail?: string;
}

export type CheckPod = (meta: V1ObjectMeta, spec: V1PodSpec) => CheckResult;

export interface VersionedCheck {
  /** The minor of the first v1.x policy version this implementation applies to. */
  minimumVersion: number;
  checkPod: CheckPod;
  /** Baseline checks this (restricted) check replaces at this version. */
  overrideCheckIDs?: readonly string[];
}

export interface Check {
  id: string;
  level: Exclude<Level, 'privileged'>;
  /** In increasing minimumVersion order. */
  versions: readonly VersionedCheck[];
}

export const ALLOWED: CheckResult = { allowed: true };

export function forbidden(reason: string, detail: string): CheckResult {
  return { allowed: false, forbiddenReason: reason, forbiddenDetail: detail };
}

/** `singular` for one, `plural` otherwise. */
export function pluralize(singular: string, plural: string, count: number): string {
  return count === 1 ? singular : plural;
}

/** `"a", "b"`: each item in double quotes (not escaped, as upstream), comma-separated. */
export function joinQuote(items: readonly string[]): string {
  return items.length === 0 ? '' : `"${items.join('", "')}"`;
}

/** Go's nil check: a field is set when present and not null. */
export function isSet<T>(value: T | null | undefined): value is T {
  return value !== undefined && value !== null;
}

/** `containers "a", "b"` / `container "a"`. */
export function describeContainers(names: readonly string[]): string {
  return `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;
}

/** Go's sets.NewString(...).List(): deduplicated, sorted by code unit (byte order for ASCII). */
export function sortedSet(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

/** Whether the pod declares itself a Windows pod (`spec.os.name: windows`). */
export function isWindowsPod(spec: { os?: { name?: string } | null }): boolean {
  return spec.os?.name === 'windows';
}

/** Whether the pod runs in a user namespace (`spec.hostUsers: false`). */
export function isUserNamespacePod(spec: { hostUsers?: boolean | null }): boolean {
  return spec.hostUsers === false;
}
