/**
 * Whether hostpod's verdict on an object differs from a cluster's. Both say two things: whether
 * the object itself is admitted, and, for a workload, whether the pods it creates will be.
 */
import { resolveKind } from '../../api/kinds.js';
import type { LintResult } from '../lint.js';
import type { ServerCheck, ServerVerdict } from './verdict.js';

/**
 * True when the server judged the object (or its pods) and hostpod judged it the other way.
 * Custom resources, which hostpod does not check, and objects the server could not judge never
 * disagree.
 */
export function disagrees(result: LintResult, check: ServerCheck): boolean {
  if (resolveKind(result.apiVersion, result.kind).type === 'custom') return false;
  const isPod = result.kind === 'Pod';
  // For a Pod, Pod Security decides the object; for a workload, only its pods (the object is warned about).
  const objectRefused = !result.valid || (isPod && result.podSecurity?.allowed === false);
  const podsRefused = !isPod && result.podSecurity?.allowed === false;
  return differs(check, objectRefused) || (check.pods !== undefined && differs(check.pods, podsRefused));
}

function differs(verdict: ServerVerdict, hostpodRefuses: boolean): boolean {
  if (verdict.outcome !== 'allowed' && verdict.outcome !== 'refused') return false;
  return (verdict.outcome === 'refused') !== hostpodRefuses;
}
