/**
 * The control plane under heavy reads, against `hostpod up` in its own process (issue 14, defect 8):
 *  - peak RSS of the server while six clients list a large amount of ConfigMap data at once, and
 *    while 200 watches without a resourceVersion open over a large object that is being written;
 *  - meanwhile, the latency of the admin's `GET /api/v1/namespaces` (what `kubectl get ns` sends),
 *    of the node's Lease renewal (a PUT with the node's client certificate) and, under the
 *    watches, of a write to the watched object.
 * Each latency is printed beside the same request on the idle server (the floor), and each peak
 * RSS beside the idle server's RSS, with the ratio. Data size: `--size-mb N` (default 100).
 *
 *   npm run bench:load -- --size-mb 419
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { parse } from 'yaml';
import { issueCertificate } from '../src/pki.js';

const { values: args } = parseArgs({ options: { 'size-mb': { type: 'string', default: '100' }, watches: { type: 'string', default: '200' }, lists: { type: 'string', default: '6' } } });
const SIZE_MB = Number(args['size-mb']);
const WATCHES = Number(args.watches);
const LISTS = Number(args.lists);
const OBJECT_KIB = 256;
const BIG_KIB = 900;

const dir = mkdtempSync(join(tmpdir(), 'hostpod-bench-load-'));
const bin = join(import.meta.dirname, '..', 'bin', 'hostpod.js');
const up = spawn(process.execPath, [bin, 'up', '--data-dir', dir, '--listen', '127.0.0.1:0', '--no-node'], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise<void>((resolve) => up.stdout.on('data', (c: Buffer) => (c.toString().includes('serving on') ? resolve() : undefined)));
const config = parse(readFileSync(join(dir, 'admin.kubeconfig'), 'utf8')) as { clusters: { cluster: { server: string; 'certificate-authority-data': string } }[]; users: { user: { token: string } }[] };
const server = config.clusters[0]!.cluster.server;
const ca = Buffer.from(config.clusters[0]!.cluster['certificate-authority-data'], 'base64').toString();
const admin = { Authorization: `Bearer ${config.users[0]!.user.token}` };
const caPair = { cert: readFileSync(join(dir, 'pki', 'ca.crt'), 'utf8'), key: readFileSync(join(dir, 'pki', 'ca.key'), 'utf8') };
const nodeCert = await issueCertificate(caPair, { commonName: 'system:node:bench-node', organizations: ['system:nodes'], usage: 'client' });

interface Identity { headers?: Record<string, string>; cert?: string; key?: string }
const ADMIN: Identity = { headers: admin };
const NODE: Identity = { cert: nodeCert.cert, key: nodeCert.key };
// The writes that create the data share connections; the probes do not.
const loadAgent = new Agent({ keepAlive: true, maxSockets: Infinity, ca });

/** One request; the body is counted, and kept only when `keep`. */
function call(method: string, path: string, who: Identity, options: { body?: unknown; accept?: string; keep?: boolean; agent?: Agent | false } = {}): Promise<{ status: number; bytes: number; body: string }> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, server), {
      method, ca, agent: options.agent ?? false, ...(who.cert ? { cert: who.cert, key: who.key } : {}),
      headers: {
        ...who.headers, ...(options.accept ? { Accept: options.accept } : {}),
        ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) } : {}),
      },
    }, (res) => {
      let bytes = 0;
      let body = '';
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (options.keep !== false) body += c.toString();
      }).on('end', () => resolve({ status: res.statusCode ?? 0, bytes, body }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
const LEASE_PATH = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/bench-node';

async function timed(what: () => Promise<{ status: number }>, expect: number): Promise<number> {
  const started = performance.now();
  const r = await what();
  if (r.status !== expect) throw new Error(`expected ${expect}, got ${r.status}`);
  return performance.now() - started;
}
const getNs = () => timed(() => call('GET', '/api/v1/namespaces?limit=500', ADMIN, { accept: TABLE }), 200);
async function renewLease(): Promise<number> {
  const lease = JSON.parse((await call('GET', LEASE_PATH, NODE)).body) as { spec: Record<string, unknown> };
  return timed(() => call('PUT', LEASE_PATH, NODE, { body: { ...lease, spec: { ...lease.spec, renewTime: new Date().toISOString().replace('Z', '000Z') } } }), 200);
}

/** Probes `get ns` and the lease renewal one after the other until `done` settles. */
async function probe(done: Promise<unknown>, extra?: () => Promise<number>): Promise<{ ns: number[]; lease: number[]; extra: number[] }> {
  let finished = false;
  void done.finally(() => (finished = true));
  const out = { ns: [] as number[], lease: [] as number[], extra: [] as number[] };
  while (!finished) {
    out.ns.push(await getNs());
    out.lease.push(await renewLease());
    if (extra) out.extra.push(await extra());
    await new Promise((r) => setTimeout(r, 100));
  }
  return out;
}

const rssKiB = (field: 'VmRSS' | 'VmHWM') => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${up.pid}/status`, 'utf8'))?.[1]);
// Writing 5 to clear_refs resets the peak (VmHWM) to the current RSS, so each phase reads its own peak.
const resetPeak = () => writeFileSync(`/proc/${up.pid}/clear_refs`, '5');

/**
 * The load's clients run in a worker thread of their own, so that decrypting hundreds of
 * megabytes does not delay the probes' own event loop (which would count as server latency).
 * Resolves with each request's time to its whole body (lists) or to the last write (watches).
 */
function loadWorker(job: { kind: 'lists' | 'watches'; count: number; path: string; minBytes?: number; seed?: string }): { done: Promise<number[]>; stop: () => Promise<number> } {
  const code = `
    const { parentPort, workerData: w } = require('node:worker_threads');
    const https = require('node:https');
    const agent = new https.Agent({ keepAlive: true, maxSockets: Infinity, ca: w.ca });
    const started = performance.now();
    const requests = [];
    Promise.all(Array.from({ length: w.count }, () => new Promise((resolve, reject) => {
      const req = https.request(new URL(w.path, w.server), { agent, headers: { Authorization: 'Bearer ' + w.token } }, (res) => {
        let bytes = 0, tail = '', seen = false;
        res.setEncoding('latin1').on('data', (c) => {
          bytes += c.length;
          // A watch is done once the object of the phase's last write arrived (initial list or event).
          if (w.seed && !seen && (tail + c).includes(w.seed)) { seen = true; resolve(performance.now() - started); }
          tail = c.slice(-64);
        }).on('end', () => {
          if (w.seed) return seen ? undefined : reject(new Error('a watch ended before the last write'));
          if (res.statusCode !== 200 || bytes < w.minBytes) reject(new Error('list: ' + res.statusCode + ', ' + bytes + ' bytes'));
          else resolve(performance.now() - started);
        });
      });
      req.on('error', reject);
      requests.push(req);
      req.end();
    }))).then((times) => parentPort.postMessage({ times }), (e) => parentPort.postMessage({ error: String(e) }));
    parentPort.on('message', () => { for (const r of requests) r.destroy(); agent.destroy(); process.exit(0); });
  `;
  const worker = new Worker(code, { eval: true, workerData: { ...job, server, ca, token: config.users[0]!.user.token } });
  const done = new Promise<number[]>((resolve, reject) => {
    worker.once('message', (m: { times?: number[]; error?: string }) => (m.times ? resolve(m.times) : reject(new Error(m.error))));
    worker.once('error', reject);
  });
  return { done, stop: () => (worker.postMessage('stop'), new Promise<number>((r) => worker.once('exit', r))) };
}

// The node and its lease, as the agent registers them.
await call('POST', '/api/v1/nodes', NODE, { body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'bench-node' } } });
await call('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', NODE, { body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'bench-node' }, spec: { holderIdentity: 'bench-node', leaseDurationSeconds: 40 } } });

// The floor: the same probes on the idle server.
const floor = { ns: [] as number[], lease: [] as number[], write: [] as number[] };
for (let i = 0; i < 20; i++) {
  floor.ns.push(await getNs());
  floor.lease.push(await renewLease());
}

// The data: ConfigMaps of 256 KiB in one namespace, up to the size asked for.
const filler = (kib: number, seed: number) => ({ blob: `${String(seed).padStart(8, '0')}${'x'.repeat(kib * 1024 - 8)}` });
await call('POST', '/api/v1/namespaces', ADMIN, { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench-data' } } });
const count = Math.ceil((SIZE_MB * 1024) / OBJECT_KIB);
for (let i = 0; i < count; i += 8) {
  await Promise.all(Array.from({ length: Math.min(8, count - i) }, (_, j) => call('POST', '/api/v1/namespaces/bench-data/configmaps', ADMIN, {
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `data-${i + j}` }, data: filler(OBJECT_KIB, i + j) }, keep: false, agent: loadAgent,
  }).then((r) => {
    if (r.status !== 201) throw new Error(`creating data-${i + j}: ${r.status}`);
  })));
}
const bigPath = '/api/v1/namespaces/bench-watch/configmaps/big';
await call('POST', '/api/v1/namespaces', ADMIN, { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench-watch' } } });
await call('POST', '/api/v1/namespaces/bench-watch/configmaps', ADMIN, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: filler(BIG_KIB, 0) } });
let writes = 0;
const writeBig = () => timed(() => call('PUT', bigPath, ADMIN, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big', namespace: 'bench-watch' }, data: filler(BIG_KIB, ++writes) }, keep: false }), 200);
for (let i = 0; i < 5; i++) floor.write.push(await writeBig());
await new Promise((r) => setTimeout(r, 2000));
const idleRss = rssKiB('VmRSS');

console.error(`bench: ${count} ConfigMaps created; ${LISTS} lists`);
// Phase 1: six clients list all the ConfigMaps at once (plain JSON, as `kubectl get cm -o json` or an informer's list).
resetPeak();
const lists = loadWorker({ kind: 'lists', count: LISTS, path: '/api/v1/namespaces/bench-data/configmaps', minBytes: SIZE_MB * 1024 * 1024 });
const underLists = await probe(lists.done);
const listTimes = await lists.done;
await lists.stop();
const listPeak = rssKiB('VmHWM');

// Phase 2: 200 watches without a resourceVersion over one 900 KiB ConfigMap, which is written
// in the first five probe rounds; the phase ends when every watch has seen the last write.
console.error(`bench: lists done; ${WATCHES} watches`);
await new Promise((r) => setTimeout(r, 2000));
resetPeak();
const watches = loadWorker({ kind: 'watches', count: WATCHES, path: '/api/v1/namespaces/bench-watch/configmaps?watch=true', seed: `"blob":"${String(writes + 5).padStart(8, '0')}` });
let watchWrites = 0;
const underWatches = await probe(watches.done, async () => {
  if (watchWrites >= 5) return NaN;
  watchWrites++;
  return writeBig();
});
await watches.done;
const watchPeak = rssKiB('VmHWM');
await watches.stop();
loadAgent.destroy();

up.kill('SIGTERM');
await new Promise((r) => up.once('exit', r));
rmSync(dir, { recursive: true, force: true });

const percentile = (values: number[], p: number): number => {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
};
const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`);
const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
const row = (what: string, value: string, peer: string, ratio: number) => `| ${what.padEnd(62)} | ${value.padStart(10)} | ${peer.padStart(10)} | ${ratio.toFixed(2).padStart(7)} |`;
console.log(`data: ${count} ConfigMaps of ${OBJECT_KIB} KiB = ${(count * OBJECT_KIB / 1024).toFixed(0)} MiB; ${LISTS} concurrent lists; ${WATCHES} watches over one ${BIG_KIB} KiB ConfigMap`);
console.log(`| ${'control plane under heavy reads (hostpod up, own process)'.padEnd(62)} | ${'value'.padStart(10)} | ${'idle floor'.padStart(10)} | ${'ratio'.padStart(7)} |`);
console.log(row(`peak RSS during ${LISTS} concurrent lists`, mib(listPeak), mib(idleRss), listPeak / idleRss));
console.log(row(`GET /api/v1/namespaces during the lists (p50)`, ms(percentile(underLists.ns, 50)), ms(percentile(floor.ns, 50)), percentile(underLists.ns, 50) / percentile(floor.ns, 50)));
console.log(row(`GET /api/v1/namespaces during the lists (max)`, ms(percentile(underLists.ns, 100)), ms(percentile(floor.ns, 100)), percentile(underLists.ns, 100) / percentile(floor.ns, 100)));
console.log(row(`node Lease renewal during the lists (max)`, ms(percentile(underLists.lease, 100)), ms(percentile(floor.lease, 100)), percentile(underLists.lease, 100) / percentile(floor.lease, 100)));
console.log(row(`slowest of the ${LISTS} lists, whole body received (for reference)`, ms(Math.max(...listTimes)), '-', NaN));
console.log(row(`peak RSS during ${WATCHES} watches`, mib(watchPeak), mib(idleRss), watchPeak / idleRss));
console.log(row(`GET /api/v1/namespaces during the watches (max)`, ms(percentile(underWatches.ns, 100)), ms(percentile(floor.ns, 100)), percentile(underWatches.ns, 100) / percentile(floor.ns, 100)));
console.log(row(`node Lease renewal during the watches (max)`, ms(percentile(underWatches.lease, 100)), ms(percentile(floor.lease, 100)), percentile(underWatches.lease, 100) / percentile(floor.lease, 100)));
console.log(row(`write of the watched ${BIG_KIB} KiB object during the watches (max)`, ms(percentile(underWatches.extra, 100)), ms(percentile(floor.write, 100)), percentile(underWatches.extra, 100) / percentile(floor.write, 100)));
