/**
 * `hostpod up` as a user runs it, in its own process: the control plane with this host as its
 * node (the agent needs root, which CI has), on a free API port and kubelet port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_RUNTIME } from '../../src/config.js';
import { ImageStore } from '../../src/runtime/image/store.js';
import { LinuxRuntime } from '../../src/runtime/index.js';
import { HOSTPOD_BIN } from './hostpod-cli.js';

export interface UpProcess {
  child: ChildProcess;
  kubeconfig: string;
  /** Everything it logged on stderr so far. */
  log(): string;
  /** SIGTERM, and waits for the exit. */
  stop(): Promise<number | null>;
  /** kill -9, and waits for the exit. */
  kill(): Promise<void>;
}

/** Starts `hostpod up` on `dataDir` and resolves once its node agent is ready (or, with `--no-node`, its API). */
export async function startUp(dataDir: string, port: number, extra: readonly string[] = []): Promise<UpProcess> {
  const child = spawn(process.execPath, [HOSTPOD_BIN, 'up', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, '--kubelet-port', '0', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const ready = (): void => {
      if (extra.includes('--no-node') ? out.includes('serving on') : err.includes('"node agent ready"')) resolve();
    };
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); ready(); });
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); ready(); });
    void exited.then((code) => reject(new Error(`hostpod up exited with ${code}: ${err}`)));
  });
  return {
    child,
    kubeconfig: join(dataDir, 'admin.kubeconfig'),
    log: () => err,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Whether a process is alive. */
export function alive(pid: number): boolean {
  return existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(safeRead(`/proc/${pid}/status`));
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Removes every container under `dataDir`, running or not, as `hostpod rm -f` does, so a test
 * that failed half-way leaves no workload behind when `hostpod up` stops (containers outlive it).
 * `cgroupRoot` is the subtree the containers' cgroups are under (the config's runtime.cgroup.root).
 */
export async function removeAllContainers(dataDir: string, cgroupRoot = DEFAULT_RUNTIME.cgroup.root): Promise<void> {
  const runtime = new LinuxRuntime(dataDir, { ...DEFAULT_RUNTIME, cgroup: { ...DEFAULT_RUNTIME.cgroup, root: cgroupRoot } }, new ImageStore(dataDir));
  const failed: string[] = [];
  for (const id of runtime.containers.ids()) {
    // Tried again a few times: on a loaded machine a container may still be finishing its start
    // or its stop (one was left running, its cgroups in the way of the test's cleanup).
    for (let attempt = 1; ; attempt++) {
      try {
        await runtime.remove(id, true);
        break;
      } catch (error) {
        if (attempt === 5) {
          failed.push(`${id}: ${error instanceof Error ? error.message : String(error)}`);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    }
  }
  // Said, not thrown: the removal of the test's cgroups after this fails on what is left, naming it.
  if (failed.length > 0) process.stderr.write(`removeAllContainers: could not remove, in ${dataDir}: ${failed.join('; ')}\n`);
}
