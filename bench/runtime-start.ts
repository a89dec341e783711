/**
 * Container start latency, from the request to the workload running, with the image present.
 *
 * hostpod: LinuxRuntime.start (account, sandbox overlay, cgroup with limits, monitor, mount namespace
 * with /hpc, exec). Floor: a bare spawn of the same command into a fresh cgroup (mkdir, then a
 * shell that joins it and execs). In both the workload is `sh -c 'printf x > FIFO; exec sleep'`,
 * and "running" is the moment its byte arrives on the FIFO. Target (issue 21): p50 and p95 at most 1.3x the
 * floor. Also prints the monitor's resident memory per container.
 *
 * Run as root: `npm run bench:start` (N=100 starts by default; BENCH_DIR picks the data dir's file system).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RUNTIME, loadConfig } from '../src/config.js';
import { ensureBuiltin } from '../src/runtime/image/builtin.js';
import { ImageStore } from '../src/runtime/image/store.js';
import { podDir, removePodDir } from '../src/runtime/linux/pod-dirs.js';
import { LinuxRuntime } from '../src/runtime/index.js';

const N = Number(process.env.N ?? 100);
const TARGET = 1.3;

if (process.getuid?.() !== 0) {
  console.error('bench:start needs root (cgroups, mounts)');
  process.exit(1);
}

const base = process.env.BENCH_DIR ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
const work = mkdtempSync(join(base, 'hostpod-bench-start-'));
const fifo = join(work, 'ready');
execFileSync('mkfifo', [fifo]);
const script = `printf x > ${fifo}; exec sleep 1000`;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function timed(start: () => Promise<unknown>): Promise<number> {
  // Let the previous teardown settle (cgroup removal and unmounts finish in the kernel after
  // the calls return, and would otherwise slow whichever start comes next).
  await new Promise((r) => setTimeout(r, 50));
  const ready = readFile(fifo);
  const t0 = process.hrtime.bigint();
  await start();
  await ready;
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** The floor: mkdir a cgroup, spawn a shell that joins it and execs the workload. */
async function floorOnce(cgroupDir: string, i: number): Promise<number> {
  const dir = join(cgroupDir, `floor-${i}`);
  let child: ReturnType<typeof spawn> | undefined;
  const ms = await timed(async () => {
    mkdirSync(dir);
    child = spawn('/bin/sh', ['-c', `echo $$ > ${dir}/cgroup.procs; ${script}`], { stdio: 'ignore' });
    await new Promise((resolve) => child?.once('spawn', resolve));
  });
  child?.kill('SIGKILL');
  await new Promise((resolve) => child?.once('exit', resolve));
  rmdirSync(dir);
  return ms;
}

async function main(): Promise<void> {
  const config = loadConfig({ dataDir: join(work, 'data') });
  const root = `hostpod-bench-${process.pid}`;
  const settings = { ...DEFAULT_RUNTIME, ...config.runtime, cgroup: { ...config.runtime.cgroup, root } };
  const images = new ImageStore(config.dataDir);
  await ensureBuiltin(images);
  const runtime = new LinuxRuntime(config.dataDir, settings, images);
  const driver = runtime.cgroups;
  // The floor's cgroup lives in the same hierarchy hostpod lists from (pids on v1).
  const sample = driver.create('floor-probe', {});
  const floorParent = sample.dirs[0] ?? '';
  const floor: number[] = [];
  const rows: { mode: 'bind' | 'sandbox'; name: string; missing: boolean; times: number[]; rss: number[] }[] = [];
  for (const mode of ['bind', 'sandbox'] as const) rows.push({ mode, name: `${mode} mode`, missing: false, times: [], rss: [] });
  // A volume at a mount point the host lacks: the monitor makes it in a private view of /.
  const missing = `/hostpod-bench-${process.pid}/data`;
  rows.push({ mode: 'bind', name: 'bind mode, a volume at a missing mount point', missing: true, times: [], rss: [] });
  for (let i = 0; i < N; i++) {
    floor.push(await floorOnce(floorParent, i));
    for (const row of rows) {
      const uid = randomUUID();
      const pod = {
        metadata: { name: 'bench', namespace: 'default', uid },
        spec: { securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } }, hostNetwork: true, terminationGracePeriodSeconds: 0, containers: [], volumes: [{ name: 'data', emptyDir: {} }] },
      };
      const container = { name: 'app', image: 'localhost/hostprocess-base:latest', command: ['/bin/sh', '-c', script], ...(row.missing ? { volumeMounts: [{ name: 'data', mountPath: missing }] } : {}) };
      const dir = podDir(config.dataDir, uid);
      mkdirSync(dir, { recursive: true });
      let id = '';
      row.times.push(
        await timed(async () => {
          id = (await runtime.start({ pod, container, init: false, restartCount: 0, podDir: dir, mountMode: row.mode })).id;
        }),
      );
      const monitor = runtime.containers.liveMonitor(id);
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${monitor ?? 0}/status`, 'utf8'))?.[1];
      row.rss.push(Number(rss ?? 0));
      await runtime.stop(id, 0);
      await runtime.remove(id, true);
      removePodDir(dir);
    }
  }
  sample.remove();
  for (const d of driver.list()) driver.open(d).remove();
  for (const dir of ['pids', 'memory', 'cpu', 'cpuacct', 'freezer', ''].map((c) => join('/sys/fs/cgroup', c, root))) if (existsSync(dir)) rmdirSync(dir);

  const f50 = percentile(floor, 50);
  const f95 = percentile(floor, 95);
  const line = (name: string, p50: number, p95: number, ratio: string): string => `| ${name.padEnd(66)} | ${p50.toFixed(1).padStart(7)} ms | ${p95.toFixed(1).padStart(7)} ms | ${ratio.padStart(11)} |`;
  console.log(`${N} starts each, cgroup ${driver.version}, data dir on ${base}, target: at most ${TARGET}x the floor`);
  console.log(`| ${'start latency (request -> workload running)'.padEnd(66)} | ${'p50'.padStart(10)} | ${'p95'.padStart(10)} | ratio p50/p95 |`);
  console.log(line('bare spawn into a fresh cgroup (floor)', f50, f95, ''));
  for (const row of rows) {
    const p50 = percentile(row.times, 50);
    const p95 = percentile(row.times, 95);
    console.log(line(`hostpod start, ${row.name}`, p50, p95, `${(p50 / f50).toFixed(2)} / ${(p95 / f95).toFixed(2)}`));
  }
  if (existsSync(missing)) console.log(`${missing} was created on the host: the private view was not used`);
  for (const row of rows) console.log(`monitor RSS per container (${row.name}): median ${percentile(row.rss, 50)} kB, max ${Math.max(...row.rss)} kB (limit 2048 kB)`);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => rmSync(work, { recursive: true, force: true }));
