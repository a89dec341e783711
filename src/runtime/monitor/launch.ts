/** Starts a container's monitor, detached from hostpod, and waits for its one-line report. */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HostpodError } from '../../errors.js';
import { SpawnerEnded, spawnMonitor } from './spawner.js';

export interface Started {
  initPid: number;
  /** When the workload started, in nanoseconds since the epoch. */
  startedAtNs: bigint;
}

/**
 * Runs `hostpod-monitor start STATE_DIR` in its own session, so it outlives hostpod (through the
 * monitor spawner: spawner.ts).
 * @throws HostpodError with the monitor's message when the workload could not start (the
 * monitor has ended by then, its exit file written)
 */
export async function launchMonitor(stateDir: string, what: string): Promise<Started> {
  let line: string;
  try {
    line = await spawnMonitor(resolve(stateDir));
  } catch (error) {
    if (!(error instanceof SpawnerEnded)) throw error;
    line = await reportFromFiles(stateDir, error);
  }
  const ok = /^ok (\d+) (\d+)$/.exec(line);
  if (ok) return { initPid: Number(ok[1]), startedAtNs: BigInt(ok[2] ?? '0') };
  const message = line.startsWith('error ') ? line.slice(6) : `the monitor exited without a report (see ${join(stateDir, 'monitor.log')})`;
  throw new HostpodError('ERR_HOSTPOD_START', `${what}: failed to start: ${message}`, { hint: startHint(message) });
}

/**
 * What a monitor did whose spawner ended before answering, from the files it writes: init.pid
 * once its workload runs, exit once the start failed. No monitor.pid within a second: it never ran.
 */
async function reportFromFiles(stateDir: string, cause: Error): Promise<string> {
  const begun = Date.now();
  for (;;) {
    try {
      const [pid, startedNs] = readFileSync(join(stateDir, 'init.pid'), 'utf8').trim().split(' ');
      if (pid && startedNs) return `ok ${pid} ${startedNs}`;
    } catch {
      // Not yet written.
    }
    if (existsSync(join(stateDir, 'exit'))) return 'exited';
    const waited = Date.now() - begun;
    if ((waited > 1000 && !existsSync(join(stateDir, 'monitor.pid'))) || waited > 10_000) throw cause;
    await sleep(20);
  }
}

function startHint(message: string): string | undefined {
  if (message.includes('failed to find executable')) {
    return 'HostProcess images usually run the host\'s own binaries: give a path that exists on the host (command: ["/bin/sh", "-c", ...]) or one under $CONTAINER_SANDBOX_MOUNT_POINT';
  }
  if (message.includes('working directory') && message.includes('Permission denied')) {
    return "in sandbox mode the container's account reaches its sandbox folder under the data dir: every directory above the data dir must be searchable by others (chmod o+x), and workingDir readable by the account";
  }
  if (message.includes('working directory')) return 'set workingDir to a directory that exists on the host or under $CONTAINER_SANDBOX_MOUNT_POINT';
  if (message.includes('a private view of')) {
    return 'set runtime.mountPoints: create in the config file to have hostpod create missing mount points on the host (and remove them when no container uses them), or create the path on the host';
  }
  if (message.includes('overlay')) return 'set sandbox: copy in the config file if this kernel or file system cannot host overlayfs';
  return undefined;
}
