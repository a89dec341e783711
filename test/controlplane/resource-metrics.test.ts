/**
 * metrics.k8s.io's figures from kubelet scrapes, in process: the text read as metrics-server
 * reads it, the rates from two readings, and the quantities and windows written as the Go API
 * machinery writes them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bytesQuantity, cpuQuantity, decodeBatch, goDuration, metricsTable, MetricsStorage, parsePrometheusSamples } from '../../src/controlplane/metrics/index.js';

const scrape = (at: number, cpuSeconds: number, memory: number, startedAt = 1_000): string => [
  '# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds',
  '# TYPE node_cpu_usage_seconds_total counter',
  `node_cpu_usage_seconds_total ${cpuSeconds * 4} ${at}`,
  `node_memory_working_set_bytes ${memory * 10} ${at}`,
  `container_cpu_usage_seconds_total{container="burner",namespace="ns",pod="busy"} ${cpuSeconds} ${at}`,
  `container_memory_working_set_bytes{container="burner",namespace="ns",pod="busy"} ${memory} ${at}`,
  `container_start_time_seconds{container="burner",namespace="ns",pod="busy"} ${startedAt / 1000}`,
  `container_cpu_usage_seconds_total{container="idle",namespace="ns",pod="half"} 0 ${at}`,
  `container_memory_working_set_bytes{container="idle",namespace="ns",pod="half"} 4096 ${at}`,
  '',
].join('\n');

describe('resource metrics', () => {
  const quantities: [string, () => string, string][] = [
    ['12345 nanocores', () => cpuQuantity(12345.7), '12345n'],
    ['a whole microcore count', () => cpuQuantity(12_345_000), '12345u'],
    ['250 millicores', () => cpuQuantity(250_000_000), '250m'],
    ['two cores', () => cpuQuantity(2e9), '2'],
    ['no CPU', () => cpuQuantity(0), '0'],
    ['16 MiB less a page', () => bytesQuantity(16 * 1024 * 1024 - 4096), '16380Ki'],
    ['2 MiB', () => bytesQuantity(2 * 1024 * 1024), '2Mi'],
    ['bytes under 1024', () => bytesQuantity(512), '512'],
    ['bytes 1024 does not divide', () => bytesQuantity(1_500_000), '1500k'],
    ['a window of 15 s', () => goDuration(15_000), '15s'],
    ['a window of 15.003 s', () => goDuration(15_003), '15.003s'],
    ['a window of 60.5 s', () => goDuration(60_500), '1m0.5s'],
    ['a window of 1.5 s', () => goDuration(1_500), '1.5s'],
  ];
  for (const [name, format, expected] of quantities) {
    test(`quantities write ${name} as ${expected}`, () => assert.equal(format(), expected));
  }

  test('the parser reads labels with escapes and timestamps, and names a line it cannot read', () => {
    assert.deepEqual(parsePrometheusSamples('a{b="x\\"y\\\\z\\n",c="d"} 1.5e+06 1700000000000\n# c\nb 2\n'), [
      { name: 'a', labels: { b: 'x"y\\z\n', c: 'd' }, value: 1.5e6, timestampMs: 1700000000000 },
      { name: 'b', labels: {}, value: 2 },
    ]);
    assert.throws(() => parsePrometheusSamples('a 1\na{b="c} 1\n'), /line 2 is not a Prometheus sample/);
    assert.throws(() => parsePrometheusSamples('a one\n'), /line 1 is not a Prometheus sample/);
  });

  test('a scrape keeps the node and the complete pods; a pod with a container of zero CPU is left out, as metrics-server leaves it', () => {
    const batch = decodeBatch(scrape(10_000, 2, 16 * 1024 * 1024), 0);
    assert.deepEqual(batch.node, { startTimeMs: 0, timestampMs: 10_000, cumulativeCpu: 8e9, memoryBytes: 160 * 1024 * 1024, swapBytes: 0 });
    assert.deepEqual([...batch.pods.keys()], ['ns/busy']);
    assert.equal(batch.pods.get('ns/busy')?.containers.get('burner')?.startTimeMs, 1_000);
  });

  test('usage comes with the second reading: CPU is the rate between the two, memory the latest', () => {
    // A resolution shorter than the containers' age: the fresh-container rule stays out of it.
    const storage = new MetricsStorage(5_000);
    storage.store(new Map([['n', decodeBatch(scrape(10_000, 2, 1024 * 1024), 0)]]));
    assert.equal(storage.node('n'), undefined);
    assert.equal(storage.pod('ns', 'busy'), undefined);
    storage.store(new Map([['n', decodeBatch(scrape(12_000, 3, 2 * 1024 * 1024), 0)]]));
    assert.deepEqual(storage.node('n'), { timestampMs: 12_000, windowMs: 2_000, usage: { cpuNanoCores: 2e9, memoryBytes: 20 * 1024 * 1024, swapBytes: 0 } });
    assert.deepEqual(storage.pod('ns', 'busy'), { timestampMs: 12_000, windowMs: 2_000, usage: [{ name: 'burner', usage: { cpuNanoCores: 5e8, memoryBytes: 2 * 1024 * 1024, swapBytes: 0 } }] });
  });

  test('a container that restarted starts over, and a node missing from a round is forgotten', () => {
    // A resolution shorter than the containers' age: the fresh-container rule stays out of it.
    const storage = new MetricsStorage(5_000);
    storage.store(new Map([['n', decodeBatch(scrape(10_000, 2, 1024), 0)]]));
    storage.store(new Map([['n', decodeBatch(scrape(12_000, 3, 1024), 0)]]));
    storage.store(new Map([['n', decodeBatch(scrape(14_000, 0.5, 1024, 13_000), 0)]]));
    assert.equal(storage.pod('ns', 'busy'), undefined, 'restarted after the kept reading');
    storage.store(new Map([['n', decodeBatch(scrape(16_000, 1.5, 1024, 13_000), 0)]]));
    assert.equal(storage.pod('ns', 'busy')?.usage[0]?.usage.cpuNanoCores, 5e8, 'a rate again from the second reading after the restart');
    assert.ok(storage.node('n'));
    storage.store(new Map());
    assert.equal(storage.node('n'), undefined);
  });

  test('a pod\'s Table row adds its containers\' usage, as metrics-server\'s Quantity.Add; an empty list has no columns', () => {
    const table = metricsTable([{
      metadata: { name: 'busy' }, window: '15s',
      containers: [{ usage: { cpu: '1500000n', memory: '16Mi', swap: '0' } }, { usage: { cpu: '500m', memory: '512Ki', swap: '0' } }],
    }]);
    assert.deepEqual(table.columnDefinitions.map((c) => c['name']), ['Name', 'cpu', 'memory', 'swap', 'Window']);
    assert.deepEqual(table.rows.map((r) => r.cells), [['busy', '501500u', '16896Ki', '0', '15s']]);
    assert.deepEqual(metricsTable([]).columnDefinitions, []);
  });

  test('a container first seen 10 s to one resolution after its start has a rate from its start at once, as metrics-server gives it', () => {
    const storage = new MetricsStorage(15_000);
    // Seen 12 s after it started, with 3 s of CPU: a quarter of a core since its start.
    storage.store(new Map([['n', decodeBatch(scrape(13_000, 3, 1024), 0)]]));
    assert.deepEqual(storage.pod('ns', 'busy'), { timestampMs: 13_000, windowMs: 12_000, usage: [{ name: 'burner', usage: { cpuNanoCores: 2.5e8, memoryBytes: 1024, swapBytes: 0 } }] });
    assert.equal(storage.node('n'), undefined, 'a node still needs two readings');
    // Seen 5 s after: too young, no figures yet.
    const young = new MetricsStorage(15_000);
    young.store(new Map([['n', decodeBatch(scrape(6_000, 1, 1024), 0)]]));
    assert.equal(young.pod('ns', 'busy'), undefined);
  });
});
