/**
 * The cost of reading and writing a request body as kube-apiserver does (hostpod's JSON parser:
 * exact int64 values, duplicate keys, Go's depth limit) against JSON.parse and JSON.stringify,
 * the floor, on 3 MiB bodies (the API server's limit): a ConfigMap of large values and a pod-like
 * object of many small fields, the worst case for a parser written in JavaScript.
 */
import { parseJson, parseStoredJson, stringifyJson } from '../src/api/json/index.js';

const LIMIT = 3 * 1024 * 1024 - 1024;

function configMap(): string {
  const data: Record<string, string> = {};
  for (let i = 0; JSON.stringify(data).length < LIMIT - 200_000; i++) data[`key-${i}`] = 'v'.repeat(100_000);
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data });
}

function manySmallFields(): string {
  const env: unknown[] = [];
  const body = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x', env, ports: [] as unknown[] }] } };
  for (let i = 0; JSON.stringify(body).length < LIMIT - 100; i++) {
    env.push({ name: `VAR_${i}`, value: `value-${i}`, valueFrom: { fieldRef: { fieldPath: 'metadata.name', apiVersion: 'v1' } } });
    if (i % 10 === 0) (body.spec.containers[0]!.ports).push({ containerPort: i % 65535, hostPort: 0, protocol: 'TCP' });
  }
  return JSON.stringify(body);
}

function time(run: () => unknown, rounds = 20): number {
  for (let i = 0; i < 3; i++) run();
  const started = performance.now();
  for (let i = 0; i < rounds; i++) run();
  return (performance.now() - started) / rounds;
}

const rows: string[][] = [['body', 'bytes', 'operation', 'hostpod ms', 'native ms', 'ratio']];
for (const [name, text] of [['ConfigMap, 30 values of 100 kB', configMap()], ['Pod, ~25,000 small env entries', manySmallFields()]] as const) {
  const parsed = parseJson(text);
  const native = JSON.parse(text) as unknown;
  const decode = time(() => parseJson(text));
  const nativeDecode = time(() => JSON.parse(text));
  const stored = time(() => parseStoredJson(text));
  const encode = time(() => stringifyJson(parsed));
  const nativeEncode = time(() => JSON.stringify(native));
  const row = (operation: string, ours: number, floor: number): string[] => [name, String(text.length), operation, ours.toFixed(1), floor.toFixed(1), (ours / floor).toFixed(2)];
  rows.push(row('decode a request body (parseJson)', decode, nativeDecode));
  rows.push(row('read a stored row (parseStoredJson)', stored, nativeDecode));
  rows.push(row('encode (stringifyJson)', encode, nativeEncode));
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) console.log(r.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
