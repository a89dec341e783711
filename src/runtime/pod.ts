/**
 * Runs one pod on this host, as `hostpod run` does: its images, its init containers one after
 * another, then its containers together, until they end or a stop is asked for.
 */
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerStatus, MountMode } from './container.js';
import { ensurePodDir } from './data-dir.js';
import { followLog, type LogEntry } from './logs.js';
import type { Runtime } from './runtime.js';
import { isMountPoint } from './sandbox.js';

export interface PodRunOptions {
  runtime: Runtime;
  mountMode: MountMode;
  /** Makes the image present (pulling it per imagePullPolicy). */
  ensureImage: (container: V1Container) => Promise<void>;
  /** One whole line of a container's output. */
  output: (container: string, stream: 'stdout' | 'stderr', line: string) => void;
  /** Aborting stops the pod, each container with its grace period. */
  signal: AbortSignal;
}

export interface ContainerResult {
  name: string;
  id: string;
  init: boolean;
  status: ContainerStatus;
}

export interface PodResult {
  /** The first non-zero exit code, in the order the containers ended; else 0. */
  exitCode: number;
  containers: ContainerResult[];
}

/** Pod directories (emptyDir volumes) live under `<data-dir>/pods/<uid>`. */
export function podDir(dataDir: string, uid: string): string {
  return join(dataDir, 'pods', uid);
}

/** Removes a pod's directory, unmounting its memory-backed emptyDirs first. */
export function removePodDir(dir: string): void {
  const emptyDirs = join(dir, 'volumes', 'empty-dir');
  try {
    for (const name of readdirSync(emptyDirs)) {
      const path = join(emptyDirs, name);
      if (isMountPoint(path)) execFileSync('umount', [path], { stdio: 'ignore' });
    }
  } catch {
    // No emptyDir volumes.
  }
  rmSync(dir, { recursive: true, force: true });
}

export async function runPod(pod: V1Pod, options: PodRunOptions): Promise<PodResult> {
  const { runtime } = options;
  const dir = podDir(runtime.dataDir, pod.metadata?.uid ?? '');
  ensurePodDir(dir);
  const results: ContainerResult[] = [];
  try {
    const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
    for (const container of all) await options.ensureImage(container);

    for (const container of pod.spec?.initContainers ?? []) {
      if (options.signal.aborted) break;
      const [result] = await runTogether(pod, [container], true, dir, options);
      if (result) results.push(result);
      if (result && result.status.exitCode !== 0) return { exitCode: result.status.exitCode, containers: results };
    }
    if (!options.signal.aborted) results.push(...(await runTogether(pod, pod.spec?.containers ?? [], false, dir, options)));
    const failed = [...results].sort((a, b) => a.status.finishedAt.localeCompare(b.status.finishedAt)).find((r) => r.status.exitCode !== 0);
    return { exitCode: failed?.status.exitCode ?? (options.signal.aborted && results.length === 0 ? 130 : 0), containers: results };
  } finally {
    removePodDir(dir);
  }
}

async function runTogether(pod: V1Pod, containers: readonly V1Container[], init: boolean, dir: string, options: PodRunOptions): Promise<ContainerResult[]> {
  const { runtime } = options;
  const started: { name: string; id: string }[] = [];
  const stopAll = (): Promise<unknown> => Promise.all(started.map((c) => runtime.stop(c.id).catch(() => undefined)));
  try {
    for (const container of containers) {
      const record = await runtime.start({ pod, container, init, restartCount: 0, podDir: dir, mountMode: options.mountMode });
      started.push({ name: container.name, id: record.id });
      if (options.signal.aborted) break;
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  let stopping: Promise<unknown> | undefined;
  const onAbort = (): void => {
    stopping = stopAll();
  };
  if (options.signal.aborted) onAbort();
  else options.signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await Promise.all(
      started.map(async ({ name, id }) => {
        const record = runtime.containers.record(id);
        const partial = { stdout: '', stderr: '' };
        const following = followLog(
          record.logPath,
          (entry: LogEntry) => {
            // P entries are pieces of one long line: print it whole.
            partial[entry.stream] += entry.text;
            if (!entry.full) return;
            options.output(name, entry.stream, partial[entry.stream]);
            partial[entry.stream] = '';
          },
          () => runtime.containers.state(id) === 'exited',
        );
        const status = await runtime.wait(id);
        await following;
        return { name, id, init, status };
      }),
    );
  } finally {
    options.signal.removeEventListener('abort', onAbort);
    await stopping;
  }
}
