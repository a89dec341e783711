/** Reading and writing cgroup control files (private helpers of the cgroup drivers). */
import { readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HostpodError } from '../../errors.js';

export function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function readNumber(path: string): number | undefined {
  const text = readText(path)?.trim();
  if (text === undefined || text === '' || text === 'max') return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** A `key value` line from a flat-keyed file such as cpu.stat or memory.events. */
export function readKey(path: string, key: string): number | undefined {
  const text = readText(path);
  if (text === undefined) return undefined;
  for (const line of text.split('\n')) {
    const [k, v] = line.split(/\s+/);
    if (k === key && v !== undefined) return Number(v);
  }
  return undefined;
}

export function writeControl(path: string, value: string, what: string): void {
  try {
    writeFileSync(path, value);
  } catch (error) {
    throw new HostpodError('ERR_HOSTPOD_CGROUP', `cannot set ${what} (${path} = ${value}): ${(error as Error).message}`, {
      hint: 'hostpod needs root and a writable cgroup hierarchy; set cgroup.root in the config file to a subtree hostpod may manage',
      cause: error,
    });
  }
}

export function pidsIn(procs: string): number[] {
  return (readText(procs) ?? '')
    .split('\n')
    .filter((l) => l !== '')
    .map(Number);
}

/**
 * A cgroup's directory and those of the cgroups nested under it (a workload may make its own),
 * deepest first: the order to remove them in.
 */
export function cgroupTree(dir: string, depth = 0): string[] {
  let children: string[] = [];
  try {
    children = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(dir, e.name));
  } catch {
    return [];
  }
  return [...(depth < 32 ? children.flatMap((child) => cgroupTree(child, depth + 1)) : []), dir];
}

/** The pids in a cgroup and in every cgroup nested under it. */
export function pidsInTree(dir: string): number[] {
  return cgroupTree(dir).flatMap((d) => pidsIn(join(d, 'cgroup.procs')));
}

/** Kills what `list` finds until it finds nothing, or gives up after `timeoutMs`. */
export async function killUntilEmpty(list: () => number[], killOnce: () => void, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (list().length === 0) return true;
    if (Date.now() > deadline) return false;
    killOnce();
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** rmdir, retried briefly: the kernel may still be tearing down the last task. */
function removeDir(dir: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      rmdirSync(dir);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || attempt >= 50) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}

/**
 * Removes a cgroup and the cgroups nested under it, deepest first. Never throws: a cgroup that
 * stays busy (a process that could not be killed) is left, and named in what it returns.
 */
export function removeTree(dir: string): string[] {
  const problems: string[] = [];
  for (const d of cgroupTree(dir)) {
    try {
      removeDir(d);
    } catch (error) {
      problems.push(`${d}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  return problems;
}

/** A process's command name (/proc/PID/comm), or '?' once it is gone. */
export function commandOf(pid: number): string {
  return readText(`/proc/${pid}/comm`)?.trim() || '?';
}

/** CFS quota for `millis` of a CPU in a 100 ms period, as the kubelet computes it (at least 1 ms). */
export const CFS_PERIOD_US = 100_000;
export function cfsQuota(millis: number): number {
  return Math.max(1000, Math.floor((millis * CFS_PERIOD_US) / 1000));
}
