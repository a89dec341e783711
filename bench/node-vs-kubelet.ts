/**
 * A hostpod node against a real kubelet node (issue 21), side by side in one real cluster
 * (scripts/build-kubernetes.sh, scripts/build-kubelet.sh): two "hosts" (network namespaces, as
 * hosts.ts makes them), one running `hostpod agent`, the other the real kubelet with containerd
 * and runc, both joined by TLS bootstrapping to the real kube-apiserver, controller manager and
 * scheduler. Each runs the same workload, pinned to it by nodeSelector: on hostpod a HostProcess pod
 * running the host's /bin/sh with a sleep; on the kubelet node its privileged hostNetwork
 * equivalent (the host's / mounted and its /bin/sh run in it with chroot).
 *  - `kubectl apply` of one pod to Running, p50 and p99 over 20 pods one at a time (the nodes
 *    take turns);
 *  - 110 pods (a node's pod capacity) applied at once, to all Running (one node after the other);
 *  - node-side memory with the 110 pods running, PSS (and RSS) from /proc/PID/smaps_rollup: the
 *    kubelet, containerd and every shim against the hostpod agent, its monitor spawner and its container monitors;
 *  - idle CPU with the 110 pods running: utime+stime of the same processes over 60 s.
 * Each figure is printed for both nodes with the ratio hostpod/kubelet; the targets are at most
 * 0.5 for apply to Running and for memory.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectlDir } from '../test/support/controlplane.js';
import { createHosts } from '../test/support/hosts.js';
import { componentVersions, realClusterSkip } from '../test/support/kube-binaries.js';
import { kubeletNodeSkip, kubeletNodeVersions } from '../test/support/kubelet-binaries.js';
import { BUSYBOX_IMAGE } from '../test/support/kubelet-node-images.js';
import { joinKubeletNode, type KubeletNode } from '../test/support/kubelet-node.js';
import { startRealCluster, type RealCluster } from '../test/support/real-cluster.js';
import { joinRealNode, type RealNode } from '../test/support/real-node.js';

let unavailable: string | false;
try {
  unavailable = realClusterSkip() || kubeletNodeSkip();
} catch (error) {
  unavailable = (error as Error).message;
}
if (unavailable || process.getuid?.() !== 0) {
  process.stderr.write(`bench:node-vs-kubelet needs root, the control plane and the kubelet node: ${unavailable || 'not root'}\n`);
  process.exit(1);
}

const SINGLE_PODS = 20;
const FLEET = 110;
const IDLE_MS = 60_000;
const SLEEP = 'exec sleep 2147483';
type Kind = 'hostpod' | 'kubelet';
const KINDS: Kind[] = ['hostpod', 'kubelet'];
const NODE_NAMES: Record<Kind, string> = { hostpod: 'hostpod-node', kubelet: 'kubelet-node' };

/** The workload for each node: the host's shell with a sleep, as that node runs a host's program. */
function podSpec(kind: Kind): Record<string, unknown> {
  const common = { nodeSelector: { 'kubernetes.io/hostname': NODE_NAMES[kind] }, hostNetwork: true, terminationGracePeriodSeconds: 0 };
  if (kind === 'hostpod') {
    return {
      ...common,
      tolerations: [{ key: 'hostpod.io/hostprocess', operator: 'Exists', effect: 'NoSchedule' }],
      securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
      containers: [{ name: 'shell', image: 'localhost/hostprocess-base:latest', command: ['/bin/sh', '-c', SLEEP] }],
    };
  }
  return {
    ...common,
    volumes: [{ name: 'host', hostPath: { path: '/' } }],
    containers: [{
      name: 'shell', image: BUSYBOX_IMAGE, imagePullPolicy: 'Never', securityContext: { privileged: true },
      volumeMounts: [{ name: 'host', mountPath: '/host' }], command: ['chroot', '/host', '/bin/sh', '-c', SLEEP],
    }],
  };
}

const pod = (kind: Kind, namespace: string, name: string): Record<string, unknown> => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, spec: podSpec(kind) });

/** A watch of a namespace's pods that notes when each first reports Running. */
class RunningWatch {
  private readonly seen = new Map<string, number>();
  private readonly waiters = new Map<string, () => void>();
  private readonly req;

  constructor(cluster: RealCluster, namespace: string) {
    let pending = '';
    this.req = request(new URL(`/api/v1/namespaces/${namespace}/pods?watch=1`, cluster.server), {
      ca: cluster.files.ca.cert, cert: cluster.files.admin.cert, key: cluster.files.admin.key, agent: false,
    }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        pending += chunk;
        let nl;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const event = JSON.parse(pending.slice(0, nl)) as { object: { metadata: { name: string }; status?: { phase?: string } } };
          pending = pending.slice(nl + 1);
          const name = event.object.metadata.name;
          if (event.object.status?.phase === 'Running' && !this.seen.has(name)) {
            this.seen.set(name, performance.now());
            this.waiters.get(name)?.();
          }
        }
      });
    });
    this.req.on('error', () => undefined);
    this.req.end();
  }

  running(name: string, timeoutMs = 300_000): Promise<number> {
    const at = this.seen.get(name);
    if (at !== undefined) return Promise.resolve(at);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`pod ${name}: not Running after ${timeoutMs} ms`)), timeoutMs);
      this.waiters.set(name, () => {
        clearTimeout(timer);
        resolve(this.seen.get(name)!);
      });
    });
  }

  close(): void {
    this.req.destroy();
  }
}

/** PSS and RSS (KiB) of a process, from /proc/PID/smaps_rollup; zero when it is gone. */
function memoryKiB(pid: number): { pss: number; rss: number } {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    return { pss: Number(/^Pss:\s+(\d+)/m.exec(text)?.[1] ?? 0), rss: Number(/^Rss:\s+(\d+)/m.exec(text)?.[1] ?? 0) };
  } catch {
    return { pss: 0, rss: 0 };
  }
}

/** utime+stime of a process in clock ticks. */
function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

const percentile = (values: number[], p: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)]!;

const base = mkdtempSync(join(tmpdir(), 'hostpod-bench-vs-kubelet-'));
const network = createHosts(['hostpod-host', 'kubelet-host']);
let cluster: RealCluster | undefined;
let hostpod: RealNode | undefined;
let kubelet: KubeletNode | undefined;
const watches: RunningWatch[] = [];
const kubectlBin = join(kubectlDir() ?? '', 'kubectl.1.33');

try {
  cluster = await startRealCluster({ address: network.gateway });
  const c = cluster;
  const k = (...args: string[]): Promise<string> => new Promise((resolve, reject) => {
    execFile(kubectlBin, [`--kubeconfig=${c.kubeconfig}`, `--cache-dir=${join(base, 'kubectl-cache')}`, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 }, (error, stdout, stderr) => (error ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr}`)) : resolve(stdout)));
  });
  const [hostpodHost, kubeletHost] = network.hosts as [typeof network.hosts[0], typeof network.hosts[0]];
  hostpod = await joinRealNode(c, { name: NODE_NAMES.hostpod, dir: join(base, 'hostpod'), address: hostpodHost.address, enter: network.enter(hostpodHost) });
  kubelet = await joinKubeletNode(c, { name: NODE_NAMES.kubelet, address: kubeletHost.address, enter: network.enter(kubeletHost) });

  const namespace = async (name: string): Promise<void> => {
    await k('create', 'namespace', name);
    for (let i = 0; (await c.call('GET', `/api/v1/namespaces/${name}/serviceaccounts/default`)).status !== 200; i++) {
      if (i > 600) throw new Error(`namespace ${name}: no default service account after 60 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const removeNamespace = async (name: string): Promise<void> => {
    await k('delete', 'namespace', name, '--wait=true', '--timeout=300s');
  };

  // 1. One pod at a time, the nodes taking turns.
  const single: Record<Kind, number[]> = { hostpod: [], kubelet: [] };
  for (const kind of KINDS) await namespace(`single-${kind}`);
  const singleWatch: Record<Kind, RunningWatch> = { hostpod: new RunningWatch(c, 'single-hostpod'), kubelet: new RunningWatch(c, 'single-kubelet') };
  watches.push(...Object.values(singleWatch));
  await new Promise((r) => setTimeout(r, 500));
  for (let i = 0; i < SINGLE_PODS; i++) {
    for (const kind of KINDS) {
      const name = `one-${i}`;
      const file = join(base, `${kind}-${name}.json`);
      writeFileSync(file, JSON.stringify(pod(kind, `single-${kind}`, name)));
      const begun = performance.now();
      await k('apply', '-f', file);
      single[kind].push((await singleWatch[kind].running(name)) - begun);
    }
  }
  for (const kind of KINDS) await removeNamespace(`single-${kind}`);

  // 2. 110 pods at once on each node, one node after the other.
  const fleetSeconds = {} as Record<Kind, number>;
  for (const kind of KINDS) {
    const ns = `fleet-${kind}`;
    await namespace(ns);
    const watch = new RunningWatch(c, ns);
    watches.push(watch);
    await new Promise((r) => setTimeout(r, 500));
    const names = Array.from({ length: FLEET }, (_, i) => `pod-${i}`);
    const file = join(base, `${ns}.json`);
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: names.map((name) => pod(kind, ns, name)) }));
    const begun = performance.now();
    await k('apply', '-f', file);
    const times = await Promise.all(names.map((name) => watch.running(name, 600_000)));
    fleetSeconds[kind] = (Math.max(...times) - begun) / 1000;
  }

  // 3 and 4. With the 110 pods running on each: memory, then a minute of CPU.
  await new Promise((r) => setTimeout(r, 10_000));
  const hostpodNode = hostpod;
  const kubeletNode = kubelet;
  const monitors = (): number[] => {
    const dir = join(hostpodNode.dataDir, 'containers');
    return readdirSync(dir).filter((id) => /^[0-9a-f]{64}$/.test(id)).flatMap((id) => {
      try {
        return [Number(readFileSync(join(dir, id, 'monitor.pid'), 'utf8'))];
      } catch {
        return [];
      }
    });
  };
  // The agent's monitor spawner: a child of the agent (in its own session), part of the node side.
  const spawners = (agent: number): number[] => readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).filter((entry) => {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      return parent === agent && readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes('spawner');
    } catch {
      return false;
    }
  }).map(Number);
  const groups: Record<Kind, Record<string, number[]>> = {
    hostpod: { 'hostpod agent': [hostpodNode.child.pid!], 'monitor spawner': spawners(hostpodNode.child.pid!), 'container monitors': monitors() },
    kubelet: { kubelet: [kubeletNode.kubelet.pid!], containerd: [kubeletNode.containerd.pid!], 'containerd shims': kubeletNode.shimPids() },
  };
  const sum = (pids: number[], key: 'pss' | 'rss'): number => pids.reduce((total, pid) => total + memoryKiB(pid)[key], 0) / 1024;
  // Each group's PSS and RSS (MiB), read once: the totals and the breakdown are the same moment.
  const groupMemory = Object.fromEntries(KINDS.map((kind) => [kind, Object.fromEntries(Object.entries(groups[kind]).map(([what, pids]) => [what, { pss: sum(pids, 'pss'), rss: sum(pids, 'rss') }]))])) as Record<Kind, Record<string, { pss: number; rss: number }>>;
  const memory = {} as Record<Kind, { pss: number; rss: number }>;
  for (const kind of KINDS) {
    const parts = Object.values(groupMemory[kind]);
    memory[kind] = { pss: parts.reduce((t, m) => t + m.pss, 0), rss: parts.reduce((t, m) => t + m.rss, 0) };
  }
  const pauses = kubeletNode.pausePids();
  const pauseMemory = sum(pauses, 'pss');
  const before = Object.fromEntries(KINDS.map((kind) => [kind, Object.values(groups[kind]).flat().reduce((t, pid) => t + cpuTicks(pid), 0)])) as Record<Kind, number>;
  const idleStarted = performance.now();
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const idleMinutes = (performance.now() - idleStarted) / 60_000;
  const ticksPerSecond = 100;
  const cpuMsPerMinute = Object.fromEntries(KINDS.map((kind) => {
    const after = Object.values(groups[kind]).flat().reduce((t, pid) => t + cpuTicks(pid), 0);
    return [kind, ((after - before[kind]) / ticksPerSecond) * 1000 / idleMinutes];
  })) as Record<Kind, number>;

  // The table.
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  const row = (what: string, h: number, kb: number, unit: string, digits: number, target?: number): string => {
    const ratio = h / kb;
    const verdict = target === undefined ? '' : `${target.toFixed(2)} ${ratio <= target ? 'met' : 'NOT met'}`;
    return `| ${what.padEnd(52)} | ${`${h.toFixed(digits)} ${unit}`.padStart(11)} | ${`${kb.toFixed(digits)} ${unit}`.padStart(11)} | ${ratio.toFixed(2).padStart(5)} | ${verdict.padEnd(12)} |`;
  };
  out(`${componentVersions()}\n${kubeletNodeVersions()}`);
  out(`one real control plane; a hostpod node and a kubelet node, each on a host (network namespace) of its own\n`);
  out(`| ${'figure'.padEnd(52)} | ${'hostpod'.padStart(11)} | ${'kubelet'.padStart(11)} | ratio | target       |`);
  out(`|${'-'.repeat(54)}|${'-'.repeat(12)}:|${'-'.repeat(12)}:|------:|--------------|`);
  out(row(`kubectl apply -> Running, one pod (p50 of ${SINGLE_PODS})`, percentile(single.hostpod, 50), percentile(single.kubelet, 50), 'ms', 0, 0.5));
  out(row(`kubectl apply -> Running, one pod (p99 of ${SINGLE_PODS})`, percentile(single.hostpod, 99), percentile(single.kubelet, 99), 'ms', 0, 0.5));
  out(row(`${FLEET} pods applied at once -> all Running`, fleetSeconds.hostpod, fleetSeconds.kubelet, 's', 1));
  out(row(`node-side memory at ${FLEET} pods, PSS`, memory.hostpod.pss, memory.kubelet.pss, 'MiB', 1, 0.5));
  out(row(`node-side memory at ${FLEET} pods, RSS`, memory.hostpod.rss, memory.kubelet.rss, 'MiB', 1));
  out(row(`idle CPU at ${FLEET} pods, utime+stime per minute`, cpuMsPerMinute.hostpod, cpuMsPerMinute.kubelet, 'ms', 0));
  out('');
  for (const kind of KINDS) {
    out(`${kind} node-side processes: ${Object.entries(groups[kind]).map(([what, pids]) => `${what} ${pids.length} (PSS ${groupMemory[kind][what]!.pss.toFixed(1)} MiB)`).join(', ')}`);
  }
  out(`not counted: the kubelet node's ${pauses.length} pause containers (PSS ${pauseMemory.toFixed(1)} MiB), and either node's workloads`);
  for (const kind of KINDS) out(`${kind} apply -> Running (ms): ${single[kind].map((ms) => ms.toFixed(0)).join(' ')}`);
} finally {
  for (const watch of watches) watch.close();
  await hostpod?.remove();
  await kubelet?.stop();
  await cluster?.stop();
  network.remove();
  rmSync(base, { recursive: true, force: true });
}
