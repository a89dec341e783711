/**
 * Kubernetes' version order (kube-aware version priority): GA versions first, highest major
 * first, then betas, then alphas (each highest first), then versions of no such form in
 * alphabetical order. Discovery lists a group's versions so, and the first is the preferred one.
 */
const KUBE_VERSION = /^v(\d+)(?:(alpha|beta)(\d+))?$/;

function rank(version: string): [number, number, number] | undefined {
  const match = KUBE_VERSION.exec(version);
  if (!match) return undefined;
  const stability = match[2] === undefined ? 3 : match[2] === 'beta' ? 2 : 1;
  return [stability, Number(match[1]), Number(match[3] ?? 0)];
}

/** Compares two versions: negative when `a` comes first. */
export function compareVersions(a: string, b: string): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra && rb) return rb[0] - ra[0] || rb[1] - ra[1] || rb[2] - ra[2];
  if (ra) return -1;
  if (rb) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
