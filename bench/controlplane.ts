/**
 * Control-plane speed, against `hostpod up` in its own process (as users run it):
 *  - server time of `kubectl get pods -A` (the Table list it sends) with 110 pods, from the
 *    server's own request log, plus the whole kubectl command's wall time;
 *  - watch latency, from sending a write to receiving its event;
 *  - idle RSS of the control-plane process.
 * Each figure is printed beside its target, with the ratio (at most 1 meets it).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

const dir = mkdtempSync(join(tmpdir(), 'hostpod-bench-cp-'));
const bin = join(import.meta.dirname, '..', 'bin', 'hostpod.js');
const up = spawn(process.execPath, [bin, 'up', '--data-dir', dir, '--listen', '127.0.0.1:0', '--log-requests', '--no-node'], { stdio: ['ignore', 'pipe', 'pipe'] });
const serverTimes: { path: string; ms: number }[] = [];
let stderr = '';
up.stderr.setEncoding('utf8').on('data', (chunk: string) => {
  stderr += chunk;
  let nl;
  while ((nl = stderr.indexOf('\n')) >= 0) {
    const line = stderr.slice(0, nl);
    stderr = stderr.slice(nl + 1);
    try {
      const entry = JSON.parse(line) as { msg?: string; path?: string; ms?: number };
      if (entry.msg === 'request' && entry.path !== undefined && entry.ms !== undefined) serverTimes.push({ path: entry.path, ms: entry.ms });
    } catch {
      // not a log line
    }
  }
});
await new Promise<void>((resolve) => up.stdout.on('data', (c: Buffer) => (c.toString().includes('serving on') ? resolve() : undefined)));
const kubeconfig = join(dir, 'admin.kubeconfig');
const config = parse(readFileSync(kubeconfig, 'utf8')) as { clusters: { cluster: { server: string; 'certificate-authority-data': string } }[]; users: { user: { token: string } }[] };
const server = config.clusters[0]!.cluster.server;
const ca = Buffer.from(config.clusters[0]!.cluster['certificate-authority-data'], 'base64').toString();
const token = config.users[0]!.user.token;

function call(method: string, path: string, body?: unknown, accept?: string): Promise<{ status: number; body: string }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, server), {
      method, ca, headers: {
        Authorization: `Bearer ${token}`, ...(accept ? { Accept: accept } : {}),
        ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) } : {}),
      },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

// 110 pods (the kubelet's default maximum per node) over 11 namespaces, bound to one node.
await call('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'bench-node', labels: { 'kubernetes.io/os': 'linux' } }, status: { allocatable: { cpu: '64', memory: '256Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] } });
for (let n = 0; n < 11; n++) {
  await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `bench-${n}` } });
  await new Promise((r) => setTimeout(r, 20));
  for (let i = 0; i < 10; i++) {
    const r = await call('POST', `/api/v1/namespaces/bench-${n}/pods`, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: `pod-${i}`, labels: { app: 'bench' } },
      spec: { nodeName: 'bench-node', hostNetwork: true, securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } }, containers: [{ name: 'main', image: 'localhost/hostprocess-base:latest' }] },
    });
    if (r.status !== 201) throw new Error(`creating pod: ${r.status} ${r.body}`);
  }
}

// The request `kubectl get pods -A` sends, 50 times; the server logs how long each took.
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
serverTimes.length = 0;
for (let i = 0; i < 50; i++) {
  const r = await call('GET', '/api/v1/pods?limit=500', undefined, TABLE);
  if ((JSON.parse(r.body) as { rows: unknown[] }).rows.length !== 110) throw new Error('expected 110 rows');
}
await new Promise((r) => setTimeout(r, 200));
const listTimes = serverTimes.filter((t) => t.path.startsWith('/api/v1/pods?limit=500')).map((t) => t.ms);

// And the whole command, as a user waits for it (process start and discovery included).
const kubectlTimes: number[] = [];
const cache = mkdtempSync(join(tmpdir(), 'hostpod-bench-kubectl-'));
for (let i = 0; i < 10; i++) {
  const started = performance.now();
  await new Promise<void>((resolve, reject) => execFile('kubectl', [`--kubeconfig=${kubeconfig}`, `--cache-dir=${cache}`, 'get', 'pods', '-A'], (e, out) => (e ? reject(new Error(e.message)) : out.split('\n').length >= 111 ? resolve() : reject(new Error(out)))));
  kubectlTimes.push(performance.now() - started);
}

// Watch latency: a watch on configmaps, then 300 writes, each timed from just before it is sent.
const sentAt = new Map<string, number>();
const latencies: number[] = [];
const list = JSON.parse((await call('GET', '/api/v1/namespaces/default/configmaps')).body) as { metadata: { resourceVersion: string } };
const watching = new Promise<void>((resolve, reject) => {
  const req = request(new URL(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${list.metadata.resourceVersion}`, server), { ca, headers: { Authorization: `Bearer ${token}` } }, (res) => {
    let buffer = '';
    res.setEncoding('utf8').on('data', (chunk: string) => {
      const now = performance.now();
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const event = JSON.parse(buffer.slice(0, nl)) as { object: { metadata: { name: string } } };
        buffer = buffer.slice(nl + 1);
        const sent = sentAt.get(event.object.metadata.name);
        if (sent !== undefined) latencies.push(now - sent);
        if (latencies.length === 300) {
          req.destroy();
          resolve();
        }
      }
    });
  });
  req.on('error', reject);
  req.end();
});
await new Promise((r) => setTimeout(r, 200));
for (let i = 0; i < 300; i++) {
  const name = `watched-${i}`;
  sentAt.set(name, performance.now());
  await call('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { i: String(i) } });
}
await watching;

// Idle RSS: after the work above, once the process has been idle for 15 s (V8 shrinks its heap
// when it sees the process idle).
await new Promise((r) => setTimeout(r, 15_000));
const status = readFileSync(`/proc/${up.pid}/status`, 'utf8');
const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);

up.kill('SIGTERM');
await new Promise((r) => up.once('exit', r));
rmSync(dir, { recursive: true, force: true });
rmSync(cache, { recursive: true, force: true });

const row = (what: string, value: string, target: string, ratio: number) => `| ${what.padEnd(58)} | ${value.padStart(10)} | ${target.padStart(9)} | ${(Number.isNaN(ratio) ? "-" : ratio.toFixed(2)).padStart(5)} |`;
console.log(`| ${'control plane (hostpod up, own process)'.padEnd(58)} | ${'value'.padStart(10)} | ${'target'.padStart(9)} | ratio |`);
console.log(row('server time, kubectl get pods -A, 110 pods (p50)', `${percentile(listTimes, 50).toFixed(1)} ms`, '200 ms', percentile(listTimes, 50) / 200));
console.log(row('server time, kubectl get pods -A, 110 pods (p99)', `${percentile(listTimes, 99).toFixed(1)} ms`, '200 ms', percentile(listTimes, 99) / 200));
console.log(row('whole kubectl get pods -A command (p50, for reference)', `${percentile(kubectlTimes, 50).toFixed(0)} ms`, '-', NaN));
console.log(row('watch latency, write sent -> event received (p50)', `${percentile(latencies, 50).toFixed(1)} ms`, '50 ms', percentile(latencies, 50) / 50));
console.log(row('watch latency, write sent -> event received (p99)', `${percentile(latencies, 99).toFixed(1)} ms`, '50 ms', percentile(latencies, 99) / 50));
console.log(row('idle RSS (after 110 pods and 300 configmaps)', `${(rssKiB / 1024).toFixed(1)} MiB`, '100 MiB', rssKiB / 1024 / 100));
