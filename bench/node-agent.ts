/**
 * Node-agent speed, against `hostpod up` (control plane and agent in one process, as users run
 * it), with the real kubectl:
 *  - `kubectl apply` of one HostProcess pod to its `Running` status (image present), p50 and p99
 *    over 20 pods; target p50 1 s, beside the Kubernetes pod-startup SLO of 5 s at p99;
 *  - a DaemonSet-driven 110 pods (the node's pod capacity) all Running: since one node runs one
 *    pod of a DaemonSet, 110 DaemonSets of one pod each; target 2 s, with the part kubectl's own
 *    apply of the 110 objects takes;
 *  - RSS of the hostpod process with 110 pods running, steady (the highest 5 s sample over the
 *    third and fourth minutes after the last pod started; BENCH_STEADY_S, default 240, ends the
 *    sampling sooner or later), against 150 MiB, with the figure 10 s after the last pod started beside it;
 *    and of the container monitors (each one's RSS) against 2 MiB per monitor;
 *  - the 110-pod run's floor: kubectl's apply of 110 DaemonSets that place no pod (taken last, in a
 *    namespace of its own), what the run costs before any pod is made, printed beside it;
 *  - the run's CPU: hostpod up's (all threads, and the control plane's thread, with the time that
 *    thread was ready but had no core), and the whole machine's over its cores, which is the
 *    shortest the run could take were no core ever idle.
 * Needs root (it runs containers). Each figure is printed beside its target, with the ratio
 * (at most 1 meets it).
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DEFAULT_RUNTIME } from '../src/config.js';
import { ImageStore } from '../src/runtime/image/store.js';
import { LinuxRuntime } from '../src/runtime/index.js';

if (process.getuid?.() !== 0) {
  console.error('bench/node-agent.ts runs HostProcess containers: run it as root');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'hostpod-bench-node-'));
const bin = join(import.meta.dirname, '..', 'bin', 'hostpod.js');
const up = spawn(process.execPath, [...(process.env['BENCH_CPU_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_CPU_PROF']}`] : []), bin, 'up', '--data-dir', dir, '--listen', '127.0.0.1:0', '--kubelet-port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
let log = '';
await new Promise<void>((resolve, reject) => {
  up.stderr.on('data', (c: Buffer) => {
    log += c.toString();
    if (log.includes('"node agent ready"')) resolve();
  });
  up.once('exit', (code) => reject(new Error(`hostpod up exited with ${code}: ${log}`)));
});
const kubeconfig = join(dir, 'admin.kubeconfig');
const kubectlBin = join(dirname(execFileSync('readlink', ['-f', execFileSync('which', ['kubectl'], { encoding: 'utf8' }).trim()], { encoding: 'utf8' }).trim()), 'kubectl');
const kubectl = (...args: string[]) => new Promise<string>((resolve, reject) => {
  execFile(kubectlBin, [`--kubeconfig=${kubeconfig}`, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 }, (error, stdout, stderr) => (error ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr}`)) : resolve(stdout)));
});

const spec = {
  securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
  hostNetwork: true,
  terminationGracePeriodSeconds: 0,
  containers: [{ name: 'main', image: 'localhost/hostprocess-base:latest', command: ['/bin/sh', '-c', 'exec sleep 100000'] }],
};

/** The machine's CPU time so far (/proc/stat), in seconds: busy (all but idle and iowait) and in total. */
function machineCpu(): { busy: number; total: number } {
  const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  return { busy: (total - ticks[3]! - ticks[4]!) / CLOCK_TICKS, total: total / CLOCK_TICKS };
}

/** How long a thread has waited on a run queue, ready but without a core (schedstat's second field), in seconds. */
function runQueueSeconds(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
/** utime + stime of a /proc stat file (a process or one of its threads), in seconds. */
function cpuSeconds(statFile: string): number {
  // The fields after the command name, which is in parentheses and may hold spaces.
  const fields = readFileSync(statFile, 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** How long a stage waits for its pods to run before it fails, naming them and why they wait. */
const RUNNING_WITHIN_MS = 120_000;

/**
 * Waits until every pod in `names` reports Running, through a watch; resolves with each one's
 * time. Fails after `withinMs` with the pods still waiting and their containers' reasons (a
 * monitor that was not built, an image that is missing), rather than waiting for ever.
 */
function watchRunning(names: Set<string>, namespace: string, withinMs = RUNNING_WITHIN_MS): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  const watch = spawn(kubectlBin, [`--kubeconfig=${kubeconfig}`, 'get', 'pods', '-n', namespace, '--watch', '--output-watch-events', '-o', 'jsonpath={.object.metadata.name} {.object.status.phase}{"\\n"}'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let pending = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      watch.kill();
      const waiting = [...names].filter((n) => !seen.has(n));
      waitingReasons(namespace).then(
        (reasons) => reject(new Error(`bench: ${waiting.length} of ${names.size} pods in namespace ${namespace} not Running after ${withinMs / 1000} s (${waiting.slice(0, 3).join(', ')}${waiting.length > 3 ? ', ...' : ''})${reasons ? `:\n${reasons}` : ''}`)),
        reject,
      );
    }, withinMs);
    watch.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const [name = '', phase] = pending.slice(0, nl).trim().split(' ');
        pending = pending.slice(nl + 1);
        const key = [...names].find((n) => name === n || name.startsWith(`${n}-`));
        if (key !== undefined && phase === 'Running' && !seen.has(key)) seen.set(key, performance.now());
        if (seen.size === names.size) {
          clearTimeout(timer);
          watch.kill();
          resolve(seen);
        }
      }
    });
  });
}

/** The distinct reasons the containers of a namespace's pods wait, each with one pod that shows it. */
async function waitingReasons(namespace: string): Promise<string> {
  const pods = JSON.parse(await kubectl('get', 'pods', '-n', namespace, '-o', 'json')) as { items: { metadata: { name: string }; status?: { containerStatuses?: { state?: { waiting?: { reason?: string; message?: string } } }[] } }[] };
  const reasons = new Map<string, string>();
  for (const pod of pods.items) {
    for (const status of pod.status?.containerStatuses ?? []) {
      const waiting = status.state?.waiting;
      const reason = waiting ? `${waiting.reason ?? 'Waiting'}: ${waiting.message ?? ''}` : undefined;
      if (reason !== undefined && !reasons.has(reason)) reasons.set(reason, pod.metadata.name);
    }
  }
  return [...reasons].map(([reason, pod]) => `  ${pod}: ${reason}`).join('\n');
}

/** Stops hostpod up, removes its containers and the data directory: at the end, and when a stage fails. */
async function stop(): Promise<void> {
  if (up.exitCode === null && up.signalCode === null) {
    up.kill('SIGTERM');
    await new Promise((r) => up.once('exit', r));
  }
  const runtime = new LinuxRuntime(dir, DEFAULT_RUNTIME, new ImageStore(dir));
  for (const id of runtime.containers.ids()) await runtime.remove(id, true).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}

/** The stages; what they measured. */
async function measure() {
  // 1. One pod at a time: apply to Running.
  await kubectl('create', 'namespace', 'single');
  const startTimes: number[] = [];
  for (let i = 0; i < 20; i++) {
    const name = `one-${i}`;
    const file = join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'single' }, spec }));
    const running = watchRunning(new Set([name]), 'single');
    await new Promise((r) => setTimeout(r, 300));
    const begun = performance.now();
    await kubectl('apply', '-f', file);
    const at = (await running).get(name)!;
    startTimes.push(at - begun);
  }
  await kubectl('delete', 'namespace', 'single', '--wait=true', '--timeout=120s');

  // 2. 110 DaemonSet pods.
  await kubectl('create', 'namespace', 'fleet');
  const names = new Set(Array.from({ length: 110 }, (_, i) => `ds-${i}`));
  const list = {
    apiVersion: 'v1', kind: 'List',
    items: [...names].map((name) => ({
      apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name, namespace: 'fleet' },
      spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec } },
    })),
  };
  writeFileSync(join(dir, 'fleet.json'), JSON.stringify(list));
  const fleetRunning = watchRunning(names, 'fleet');
  await new Promise((r) => setTimeout(r, 300));
  const cpuBegun = [cpuSeconds(`/proc/${up.pid!}/stat`), cpuSeconds(`/proc/${up.pid!}/task/${up.pid!}/stat`)];
  const machineBegun = machineCpu();
  const waitBegun = runQueueSeconds(up.pid!);
  const fleetBegun = performance.now();
  await kubectl('apply', '-f', join(dir, 'fleet.json'));
  const fleetApplied = (performance.now() - fleetBegun) / 1000;
  const fleetTimes = await fleetRunning;
  // The CPU hostpod up used meanwhile (user + system): its whole process, and its main thread (the
  // control plane; the agent has a thread of its own): what the run costs, and how much of the
  // control plane's wall-clock time it spent on a core rather than waiting.
  const fleetCpu = [cpuSeconds(`/proc/${up.pid!}/stat`) - cpuBegun[0]!, cpuSeconds(`/proc/${up.pid!}/task/${up.pid!}/stat`) - cpuBegun[1]!];
  // The machine's CPU meanwhile, every process's (kubectl, the monitors and workloads, the kernel
  // too), over its cores: the shortest the run could take with no core ever idle. And how long the
  // control plane's thread, which every request waits on, was ready to run but had no core.
  const machine = machineCpu();
  const fleetMachine = { busy: machine.busy - machineBegun.busy, total: machine.total - machineBegun.total };
  const fleetWaited = runQueueSeconds(up.pid!) - waitBegun;
  const fleetSeconds = (Math.max(...fleetTimes.values()) - fleetBegun) / 1000;

  // 3. Memory at 110 pods. 10 s after the last pod started, hostpod up still holds the burst's
  // garbage: V8 gives back its young generation and the heap's emptied pages only once its memory
  // reducer sees the allocation rate drop, 30 to 90 s later on the development machine. So the
  // target is held against the steady state, the highest of the samples taken every 5 s over the
  // third and fourth minutes after the last pod started (what `ps` shows on a node that runs its
  // pods), with the figure 10 s after beside it (what a machine must have room for).
  const STEADY_FROM_MS = 120_000;
  const STEADY_TO_MS = Number(process.env['BENCH_STEADY_S'] ?? 240) * 1000;
  const fleetDone = Math.max(...fleetTimes.values());
  const sleepUntil = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, fleetDone + ms - performance.now())));
  const rssMiB = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
  await sleepUntil(10_000);
  const hostpodRssAfter = rssMiB(up.pid!);
  const monitors = readdirSync(join(dir, 'containers')).filter((id) => /^[0-9a-f]{64}$/.test(id)).map((id) => Number(readFileSync(join(dir, 'containers', id, 'monitor.pid'), 'utf8')));
  const monitorRss = monitors.map(rssMiB).filter((n) => !Number.isNaN(n));
  const perMonitor = monitorRss.reduce((a, b) => a + b, 0) / Math.max(1, monitorRss.length);
  const steadySamples: number[] = [];
  for (let at = STEADY_FROM_MS; at <= Math.max(STEADY_FROM_MS, STEADY_TO_MS); at += 5_000) {
    await sleepUntil(at);
    steadySamples.push(rssMiB(up.pid!));
  }
  const hostpodRss = Math.max(...steadySamples);

  // 4. The floor of the 110-pod run: kubectl's apply of 110 DaemonSets whose node selector no node
  // matches (the objects, their revisions and status writes, and kubectl's own 330 requests, with no
  // pod). Taken last, so that it warms nothing the runs above are timed on.
  await kubectl('create', 'namespace', 'floor');
  writeFileSync(join(dir, 'floor.json'), JSON.stringify({
    ...list,
    items: list.items.map((ds) => ({ ...ds, metadata: { ...ds.metadata, namespace: 'floor' }, spec: { ...ds.spec, template: { ...ds.spec.template, spec: { ...spec, nodeSelector: { 'bench.hostpod.io/no-such-node': 'true' } } } } })),
  }));
  await new Promise((r) => setTimeout(r, 300));
  const floorBegun = performance.now();
  await kubectl('apply', '-f', join(dir, 'floor.json'));
  const floorSeconds = (performance.now() - floorBegun) / 1000;
  return { startTimes, fleetApplied, fleetSeconds, fleetCpu, fleetMachine, fleetWaited, hostpodRss, hostpodRssAfter, monitors, perMonitor, floorSeconds };
}

const { startTimes, fleetApplied, fleetSeconds, fleetCpu, fleetMachine, fleetWaited, hostpodRss, hostpodRssAfter, monitors, perMonitor, floorSeconds } = await measure().finally(stop);

const percentile = (values: number[], p: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)]!;
const row = (what: string, value: string, target: string, ratio: number) => `| ${what.padEnd(58)} | ${value.padStart(10)} | ${target.padStart(9)} | ${(Number.isNaN(ratio) ? '-' : ratio.toFixed(2)).padStart(5)} |`;
console.log(`| ${'node agent (hostpod up, own process)'.padEnd(58)} | ${'value'.padStart(10)} | ${'target'.padStart(9)} | ratio |`);
console.log(row('kubectl apply -> Running, one pod, image present (p50)', `${percentile(startTimes, 50).toFixed(0)} ms`, '1000 ms', percentile(startTimes, 50) / 1000));
console.log(row('kubectl apply -> Running, one pod, image present (p99)', `${percentile(startTimes, 99).toFixed(0)} ms`, '5000 ms', percentile(startTimes, 99) / 5000));
console.log(row('110 DaemonSet pods, apply -> all Running', `${fleetSeconds.toFixed(2)} s`, '2 s', fleetSeconds / 2));
console.log(row('  of which kubectl apply of the 110 DaemonSets', `${fleetApplied.toFixed(2)} s`, '-', NaN));
console.log(row('  floor: kubectl apply of 110 DaemonSets placing no pod', `${floorSeconds.toFixed(2)} s`, '-', NaN));
console.log(row('  CPU of hostpod up meanwhile (all threads)', `${fleetCpu[0]!.toFixed(2)} s`, '-', NaN));
console.log(row('  CPU of its control plane thread meanwhile', `${fleetCpu[1]!.toFixed(2)} s`, '-', NaN));
console.log(row('  the thread ready to run, waiting for a core', `${fleetWaited.toFixed(2)} s`, '-', NaN));
const cores = availableParallelism();
console.log(row(`  the machine's CPU meanwhile, all processes, per core`, `${(fleetMachine.busy / cores).toFixed(2)} s`, '-', NaN));
console.log(row('  the machine busy meanwhile', `${((fleetMachine.busy / fleetMachine.total) * 100).toFixed(0)} %`, '-', NaN));
console.log(row(`RSS of hostpod up, ${monitors.length} pods, steady (minutes 3-4)`, `${hostpodRss.toFixed(1)} MiB`, '150 MiB', hostpodRss / 150));
console.log(row(`  the same, 10 s after the last pod started`, `${hostpodRssAfter.toFixed(1)} MiB`, '-', NaN));
console.log(row('RSS per container monitor (mean)', `${perMonitor.toFixed(2)} MiB`, '2 MiB', perMonitor / 2));
console.log(`\nThe machine's CPU per core (${cores} cores) is the shortest the 110-pod run could take with no core ever idle.`);
