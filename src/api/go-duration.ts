/** Go's time.Duration text, as Kubernetes components take it in flags and query parameters. */

/**
 * A Go duration (`10s`, `1m0s`, `500ms`, `1h30m`), in ms; undefined when it is not one. A sign
 * is not taken: no caller has a use for a negative duration.
 */
export function parseGoDuration(text: string): number | undefined {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, '\u00b5s': 0.001, ns: 0.000001 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|\u00b5s|ns)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return undefined;
  return parts.reduce((total, p) => total + Number(p[1]) * (units[p[2] as string] ?? 0), 0);
}
