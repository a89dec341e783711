/**
 * The check registry: for each level and policy version, the checks in force, in upstream's order
 * (baseline check IDs sorted, then restricted check IDs sorted, minus the baseline checks a
 * restricted check overrides at that version).
 */
import type { V1ObjectMeta, V1PodSpec } from '@kubernetes/client-node';
import type { Check, CheckPod, CheckResult } from './check.js';
import { isOlder, type LevelVersion } from './level.js';

interface NamedCheck {
  id: string;
  checkPod: CheckPod;
}

export class CheckRegistry {
  /** The newest minimum version of any check: later versions, and latest, evaluate like it. */
  readonly maxMinor: number;
  private readonly baseline: NamedCheck[][] = [];
  private readonly restricted: NamedCheck[][] = [];

  constructor(checks: readonly Check[]) {
    const ids = new Set<string>();
    for (const check of checks) {
      if (ids.has(check.id)) throw new Error(`duplicate Pod Security check ${check.id}`);
      ids.add(check.id);
    }
    const sorted = [...checks].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.maxMinor = Math.max(0, ...checks.flatMap((c) => c.versions.map((v) => v.minimumVersion)));
    for (let minor = 0; minor <= this.maxMinor; minor++) {
      const inForce = (level: Check['level']): Array<{ id: string; version: Check['versions'][number] }> =>
        sorted.filter((c) => c.level === level).flatMap((c) => {
          const version = [...c.versions].reverse().find((v) => v.minimumVersion <= minor);
          return version ? [{ id: c.id, version }] : [];
        });
      const baseline = inForce('baseline');
      const restricted = inForce('restricted');
      const overridden = new Set(restricted.flatMap((c) => c.version.overrideCheckIDs ?? []));
      this.baseline[minor] = baseline.map((c) => ({ id: c.id, checkPod: c.version.checkPod }));
      this.restricted[minor] = [
        ...baseline.filter((c) => !overridden.has(c.id)),
        ...restricted,
      ].map((c) => ({ id: c.id, checkPod: c.version.checkPod }));
    }
  }

  /** The IDs of the checks evaluated at `lv`, in order. */
  checkIDs(lv: LevelVersion): string[] {
    return this.checksFor(lv).map((c) => c.id);
  }

  /** Runs every check in force at `lv`; privileged runs none. */
  evaluatePod(lv: LevelVersion, meta: V1ObjectMeta, spec: V1PodSpec): Array<CheckResult & { id: string }> {
    return this.checksFor(lv).map((c) => ({ id: c.id, ...c.checkPod(meta, spec) }));
  }

  private checksFor(lv: LevelVersion): NamedCheck[] {
    if (lv.level === 'privileged') return [];
    const max = { latest: false as const, minor: this.maxMinor };
    const minor = isOlder(max, lv.version) || lv.version.latest ? this.maxMinor : lv.version.minor;
    return (lv.level === 'baseline' ? this.baseline : this.restricted)[minor] ?? [];
  }
}

/** The aggregate of a pod's check results: allowed when no check forbids it. */
export interface AggregateResult {
  allowed: boolean;
  reasons: string[];
  details: string[];
}

export const UNKNOWN_FORBIDDEN_REASON = 'unknown forbidden reason';

export function aggregate(results: readonly CheckResult[]): AggregateResult {
  const reasons: string[] = [];
  const details: string[] = [];
  for (const r of results) {
    if (r.allowed) continue;
    reasons.push(r.forbiddenReason || UNKNOWN_FORBIDDEN_REASON);
    details.push(r.forbiddenDetail ?? '');
  }
  return { allowed: reasons.length === 0, reasons, details };
}

/** `reason (detail), reason (detail)`: how denials and warnings list what is forbidden. */
export function forbiddenDetail(result: AggregateResult): string {
  return result.reasons.map((reason, i) => (result.details[i] ? `${reason} (${result.details[i]})` : reason)).join(', ');
}
