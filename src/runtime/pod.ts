/**
 * Runs one pod on this host, as `hostpod run` does: its images, its init containers one after
 * another, then its containers together, until they end or a stop is asked for.
 */
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type { ContainerRuntime, ContainerStatus, MountMode } from './index.js';
import { followLog, type LogEntry } from './logs.js';
import { nextPodStep, type ContainerProgress } from './pod-sequence.js';

export interface PodRunOptions {
  runtime: ContainerRuntime;
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

export async function runPod(pod: V1Pod, options: PodRunOptions): Promise<PodResult> {
  const { runtime } = options;
  const uid = pod.metadata?.uid ?? '';
  const dir = runtime.preparePod(uid);
  const results: ContainerResult[] = [];
  try {
    const all = [...(pod.spec?.initContainers ?? []).map((c) => ({ spec: c, init: true })), ...(pod.spec?.containers ?? []).map((c) => ({ spec: c, init: false }))];
    for (const { spec } of all) await options.ensureImage(spec);

    // hostpod run restarts nothing: the kubelet's order under restartPolicy Never.
    const progress = new Map<string, ContainerProgress>(all.map(({ spec, init }) => [spec.name, { name: spec.name, init, state: 'none' }]));
    while (!options.signal.aborted) {
      const step = nextPodStep('Never', [...progress.values()]);
      if (step.initFailed !== undefined) {
        const failed = results.find((r) => r.name === step.initFailed);
        return { exitCode: failed?.status.exitCode ?? 1, containers: results };
      }
      if (step.start.length === 0) break;
      const due = all.filter(({ spec }) => step.start.includes(spec.name));
      const ended = await runTogether(pod, due.map((c) => c.spec), due[0]?.init ?? false, dir, options);
      for (const result of ended) progress.set(result.name, { name: result.name, init: result.init, state: { exitCode: result.status.exitCode } });
      results.push(...ended);
      // Some never started: the pod was stopped while they were being started.
      if (ended.length < due.length) break;
    }
    const failed = [...results].sort((a, b) => a.status.finishedAt.localeCompare(b.status.finishedAt)).find((r) => r.status.exitCode !== 0);
    return { exitCode: failed?.status.exitCode ?? (options.signal.aborted && results.length === 0 ? 130 : 0), containers: results };
  } finally {
    runtime.removePod(uid);
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
        const log = runtime.logs(id);
        const partial = { stdout: '', stderr: '' };
        const following = followLog(
          log.path,
          (entry: LogEntry) => {
            // P entries are pieces of one long line: print it whole.
            partial[entry.stream] += entry.text;
            if (!entry.full) return;
            options.output(name, entry.stream, partial[entry.stream]);
            partial[entry.stream] = '';
          },
          () => !log.live(),
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
