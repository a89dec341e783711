/** Reading and writing cgroup control files (private helpers of the cgroup drivers). */
import { readFileSync, writeFileSync } from 'node:fs';
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

/** Kills what is listed in `procs` until it is empty, or gives up after `timeoutMs`. */
export async function killUntilEmpty(procs: string, killOnce: () => void, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (pidsIn(procs).length === 0) return true;
    if (Date.now() > deadline) return false;
    killOnce();
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** CFS quota for `millis` of a CPU in a 100 ms period, as the kubelet computes it (at least 1 ms). */
export const CFS_PERIOD_US = 100_000;
export function cfsQuota(millis: number): number {
  return Math.max(1000, Math.floor((millis * CFS_PERIOD_US) / 1000));
}
