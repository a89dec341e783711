/**
 * Writes metric families in the Prometheus text format (version 0.0.4) as the Prometheus Go
 * client writes them for kube-apiserver: `# HELP` with Kubernetes' stability level in brackets,
 * `# TYPE`, then the samples; histograms as cumulative `_bucket{le=...}` lines, `_sum` and
 * `_count`. Families come sorted by name, samples by their labels.
 */
import { formatValue, labelSet } from '../../api/prometheus-text.js';

export type Labels = readonly (readonly [string, string])[];

export interface ScalarFamily {
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  samples: { labels: Labels; value: number }[];
}

export interface HistogramFamily {
  name: string;
  type: 'histogram';
  help: string;
  buckets: readonly number[];
  samples: { labels: Labels; counts: readonly number[]; sum: number; count: number }[];
}

export type MetricFamily = ScalarFamily | HistogramFamily;

/** The content type kube-apiserver answers `/metrics` with (Prometheus' common 0.67). */
export const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8; escaping=underscores';

/** The text of `families`; a family without samples is left out, as the Go client leaves it. */
export function exposition(families: readonly MetricFamily[]): string {
  let text = '';
  for (const family of [...families].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (family.samples.length === 0) continue;
    text += `# HELP ${family.name} ${family.help}\n# TYPE ${family.name} ${family.type}\n`;
    const lines: string[] = [];
    if (family.type === 'histogram') {
      for (const s of family.samples) {
        const block: string[] = [];
        family.buckets.forEach((bound, i) => block.push(`${family.name}_bucket${labelText([...s.labels, ['le', formatValue(bound)]])} ${formatValue(s.counts[i] ?? 0)}`));
        block.push(`${family.name}_bucket${labelText([...s.labels, ['le', '+Inf']])} ${formatValue(s.count)}`);
        block.push(`${family.name}_sum${labelText(s.labels)} ${formatValue(s.sum)}`);
        block.push(`${family.name}_count${labelText(s.labels)} ${formatValue(s.count)}`);
        lines.push(block.join('\n'));
      }
    } else {
      for (const s of family.samples) lines.push(`${family.name}${labelText(s.labels)} ${formatValue(s.value)}`);
    }
    lines.sort();
    text += `${lines.join('\n')}\n`;
  }
  return text;
}

function labelText(labels: Labels): string {
  return labelSet(labels);
}
