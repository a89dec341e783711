/**
 * hostpod nodes in a real cluster (issue 15), as root, with the built Kubernetes components
 * (scripts/build-kubernetes.sh): three hosts, each a network namespace running `hostpod agent`,
 * joined by TLS bootstrapping to the real kube-apiserver, controller manager and scheduler.
 *  - apply of the seeds' walkthrough DaemonSet (`kubectl apply -f examples/hostprocess.yaml`) to
 *    all three pods Running and ready, p50 and p90 over 10 runs, beside the 1 s target;
 *  - each agent's API requests per minute when idle with its pod running, from the API server's
 *    audit log, beside the kubelet's budget: a Lease renewal every 10 s and one pod watch.
 * Each figure is printed beside its target, with the ratio (at most 1 meets it).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHosts } from '../test/support/hosts.js';
import { componentVersions, realClusterSkip } from '../test/support/kube-binaries.js';
import { startRealCluster } from '../test/support/real-cluster.js';
import { joinRealNode, type RealNode } from '../test/support/real-node.js';
import { kubectlDir } from '../test/support/controlplane.js';

const unavailable = realClusterSkip();
if (unavailable || process.getuid?.() !== 0) {
  process.stderr.write(`bench:real-cluster needs root and the built components: ${unavailable || 'not root'}\n`);
  process.exit(1);
}

const RUNS = 10;
const IDLE_MS = 60_000;
const EXAMPLE = join(import.meta.dirname, '..', 'examples', 'hostprocess.yaml');
const base = mkdtempSync(join(tmpdir(), 'hostpod-bench-real-'));
const network = createHosts(['host-a', 'host-b', 'host-c']);
const cluster = await startRealCluster({ address: network.gateway, auditNodes: true });
const nodes: RealNode[] = [];
const kubectl = join(kubectlDir() ?? '', 'kubectl.1.33');

function k(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(kubectl, [`--kubeconfig=${cluster.kubeconfig}`, ...args], { encoding: 'utf8' }, (error, stdout, stderr) => (error ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr}`)) : resolve(stdout)));
  });
}

type PodList = { items: { status?: { phase?: string; conditions?: { type: string; status: string }[] } }[] };
async function daemonPods(): Promise<PodList['items']> {
  const listed = await cluster.call('GET', '/api/v1/namespaces/kube-system/pods?labelSelector=app%3Dprivileged-daemonset');
  return (JSON.parse(listed.body) as PodList).items;
}
const ready = (p: PodList['items'][number]): boolean => p.status?.phase === 'Running' && (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

try {
  for (const host of network.hosts) {
    nodes.push(await joinRealNode(cluster, { name: host.name, dir: join(base, host.name), address: host.address, enter: network.enter(host) }));
  }
  const applies: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    await k('apply', '-f', EXAMPLE);
    await until(async () => (await daemonPods()).filter(ready).length === 3, 'three pods Running');
    applies.push(performance.now() - started);
    if (run < RUNS - 1) {
      await k('delete', '-f', EXAMPLE, '--wait=false');
      await until(async () => (await daemonPods()).length === 0, 'the pods gone');
    }
  }

  // Idle: the DaemonSet's pods run; count what each agent asks of the API server for a minute.
  await new Promise((r) => setTimeout(r, 10_000));
  const from = new Date();
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const to = new Date();
  type AuditEvent = { user: { username: string }; verb: string; objectRef?: { resource?: string; subresource?: string }; stageTimestamp: string };
  const events = readFileSync(cluster.auditLog!, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AuditEvent)
    .filter((e) => { const t = new Date(e.stageTimestamp); return t >= from && t < to; });
  const minutes = (to.getTime() - from.getTime()) / 60_000;
  const perNode = nodes.map((n) => events.filter((e) => e.user.username === `system:node:${n.name}`));
  const breakdown = new Map<string, number>();
  for (const e of perNode[0]!) {
    const what = `${e.verb} ${e.objectRef?.resource ?? ''}${e.objectRef?.subresource ? `/${e.objectRef.subresource}` : ''}`;
    breakdown.set(what, (breakdown.get(what) ?? 0) + 1);
  }
  // The kubelet's budget: a Lease renewal every 10 s, and its pod watch (one request, held open).
  const kubeletBudget = 6 + 1;
  const rate = Math.max(...perNode.map((list) => list.length / minutes));

  const row = (name: string, value: string, target: string, ratio: number): string => `| ${name.padEnd(62)} | ${value.padStart(10)} | ${target.padStart(10)} | ${ratio.toFixed(2).padStart(5)} |`;
  process.stdout.write(`${componentVersions()}\nthree hostpod nodes (network namespaces) in the real cluster; ${RUNS} runs\n\n`);
  process.stdout.write(`| ${'figure'.padEnd(62)} | ${'value'.padStart(10)} | ${'target'.padStart(10)} | ratio |\n|${'-'.repeat(64)}|${'-'.repeat(12)}:|${'-'.repeat(12)}:|------:|\n`);
  process.stdout.write(`${row('apply walkthrough DaemonSet to 3 pods Running, p50', `${(percentile(applies, 50) / 1000).toFixed(2)} s`, '1.00 s', percentile(applies, 50) / 1000)}\n`);
  process.stdout.write(`${row('apply walkthrough DaemonSet to 3 pods Running, p90', `${(percentile(applies, 90) / 1000).toFixed(2)} s`, '1.00 s', percentile(applies, 90) / 1000)}\n`);
  process.stdout.write(`${row('idle agent API requests per minute (busiest of 3 nodes)', rate.toFixed(1), `${kubeletBudget}`, rate / kubeletBudget)}\n`);
  process.stdout.write(`\nrequests of ${nodes[0]!.name} in ${minutes.toFixed(1)} idle minutes: ${[...breakdown].sort().map(([what, n]) => `${what} ${n}`).join(', ')}\n`);
  process.stdout.write(`apply runs (s): ${applies.map((ms) => (ms / 1000).toFixed(2)).join(' ')}\n`);
} finally {
  await Promise.all(nodes.map((n) => n.remove()));
  await cluster.stop();
  network.remove();
  rmSync(base, { recursive: true, force: true });
}
