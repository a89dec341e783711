/**
 * The pieces of the Prometheus text exposition format that the API server's `/metrics` and the
 * kubelet endpoint's `/metrics/resource` both write: sample values as the Prometheus Go client
 * writes them, and label sets with their escapes.
 */

/** A value as Go's shortest `%g` writes it (the Prometheus client's format): 123456, 1.234567e+06, 0.25. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf';
  if (value === 0) return '0';
  const [mantissa = '', exponent = '0'] = value.toExponential().split('e');
  const exp = Number(exponent);
  if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(value);
}

/** `{k="v",...}` with `\`, `"` and newlines escaped; nothing for no labels. */
export function labelSet(labels: readonly (readonly [string, string])[]): string {
  if (labels.length === 0) return '';
  return `{${labels.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}
