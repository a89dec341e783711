/**
 * NodeMetrics and PodMetrics as a Table (`kubectl get nodes.metrics.k8s.io`, `kubectl get
 * podmetrics`), with metrics-server's columns: the name, each usage resource in name order (a
 * pod's summed over its containers) and the window. A list with no items has no columns.
 */
import type { Obj } from '../api/object-meta.js';
import { bytesQuantity, decimalQuantity } from './quantity.js';

interface MetricsItem {
  metadata: { name: string };
  window: string;
  usage?: Record<string, string>;
  containers?: { usage: Record<string, string> }[];
}

/** The Table of metrics `items`, each row's object the item itself (cut down later as `includeObject` says). */
export function metricsTable(items: readonly MetricsItem[]): { kind: 'Table'; apiVersion: string; metadata: Record<string, string>; columnDefinitions: Record<string, string>[]; rows: { cells: string[]; object: Obj }[] } {
  const table = { kind: 'Table' as const, apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: '' }, columnDefinitions: [] as Record<string, string>[], rows: [] as { cells: string[]; object: Obj }[] };
  let names: string[] | undefined;
  for (const item of items) {
    const usage = item.usage ?? summed(item.containers ?? []);
    if (!names) {
      names = Object.keys(usage).sort();
      table.columnDefinitions = [
        { name: 'Name', type: 'string', format: 'name', description: 'Name of the resource' },
        ...names.map((name) => ({ name, type: 'string', format: 'quantity', description: '' })),
        { name: 'Window', type: 'string', format: 'duration', description: '' },
      ];
    }
    table.rows.push({ cells: [item.metadata.name, ...names.map((n) => usage[n] ?? '0'), item.window], object: item as unknown as Obj });
  }
  return table;
}

/** A pod's usage: its containers' added, CPU in decimal SI and bytes in binary SI, as Quantity.Add keeps the first's format. */
function summed(containers: readonly { usage: Record<string, string> }[]): Record<string, string> {
  const totals = new Map<string, bigint>();
  for (const c of containers) for (const [name, value] of Object.entries(c.usage)) totals.set(name, (totals.get(name) ?? 0n) + parseQuantity(value, name === 'cpu' ? -9 : 0));
  return Object.fromEntries([...totals].map(([name, total]) => [name, name === 'cpu' ? decimalQuantity(total, -9) : bytesQuantity(Number(total))]));
}

const SUFFIX_POWERS: Record<string, [base: bigint, power: number]> = {
  n: [10n, -9], u: [10n, -6], m: [10n, -3], '': [10n, 0], k: [10n, 3], M: [10n, 6], G: [10n, 9], T: [10n, 12],
  Ki: [1024n, 1], Mi: [1024n, 2], Gi: [1024n, 3], Ti: [1024n, 4],
};

/** A quantity this module wrote, as an integer count of 10^scale units. */
function parseQuantity(text: string, scale: number): bigint {
  const match = /^(\d+)([a-zA-Z]*)$/.exec(text);
  const [base, power] = SUFFIX_POWERS[match?.[2] ?? ''] ?? [10n, 0];
  let value = BigInt(match?.[1] ?? '0');
  if (base === 1024n) value *= 1024n ** BigInt(power);
  const exponent = (base === 1024n ? 0 : power) - scale;
  return exponent >= 0 ? value * 10n ** BigInt(exponent) : value / 10n ** BigInt(-exponent);
}
