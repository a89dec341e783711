/** What `hostpod run -f FILE` does: admits the pod, makes its images present and runs it here. */
import type { V1Pod } from '@kubernetes/client-node';
import { loadManifests } from '../api/load-manifests.js';
import { HostpodError } from '../errors.js';
import { failed, Linter } from '../lint/lint.js';
import { formatProblem, formatResult } from '../lint/report.js';
import { MOUNT_MODE_ANNOTATION, type MountMode } from '../runtime/mount-mode.js';
import { ensureImage } from '../runtime/image/ensure.js';
import { requireRoot } from '../runtime/identity.js';
import { podForNode } from '../runtime/pod-for-node.js';
import { runPod } from '../runtime/pod.js';
import { EXIT_NOT_RUN, EXIT_USAGE } from './exit-codes.js';
import type { CommandIO } from './io.js';
import type { RunFlags } from './run.js';
import { openRuntime } from './runtime-context.js';

/**
 * Runs the pod of `flags.filename` until it ends or SIGINT / SIGTERM stops it.
 * @returns the exit code: the first failed container's, 2 for an unreadable manifest, 125 when
 *   the pod is refused
 * @throws HostpodError when hostpod cannot run it (exit 125) or the file is not one Pod or DaemonSet (exit 2)
 */
export async function runPodFile(flags: RunFlags, io: CommandIO): Promise<number> {
  const loaded = await loadManifests([flags.filename], { stdin: io.stdin });
  if (loaded.problems.length > 0) {
    io.stderr.write(`${loaded.problems.map(formatProblem).join('\n')}\n`);
    return EXIT_USAGE;
  }
  const linter = new Linter({ podSecurity: flags.podSecurity });
  const workloads = loaded.objects.filter((o) => o.object['kind'] !== 'Namespace');
  if (workloads.length !== 1 || !['Pod', 'DaemonSet'].includes(String(workloads[0]?.object['kind']))) {
    throw new HostpodError('ERR_HOSTPOD_RUN_KIND', `${flags.filename}: hostpod run takes exactly one Pod or DaemonSet, found ${workloads.map((o) => String(o.object['kind'])).join(', ') || 'none'}`, {
      hint: 'split the file, or apply several workloads with hostpod up and kubectl',
    });
  }
  for (const object of loaded.objects) {
    const result = linter.lint(object);
    if (failed(result)) {
      io.stderr.write(formatResult(result));
      return EXIT_NOT_RUN;
    }
    for (const warning of result.warnings) io.stderr.write(`Warning: ${warning}\n`);
  }
  const pod: V1Pod = podForNode((workloads[0]?.object ?? {}));
  const podName = `pod "${pod.metadata?.name ?? ''}" (namespace ${pod.metadata?.namespace ?? 'default'})`;
  requireRoot(podName);
  const annotation = pod.metadata?.annotations?.[MOUNT_MODE_ANNOTATION];
  if (annotation !== undefined && annotation !== 'bind' && annotation !== 'sandbox') {
    throw new HostpodError('ERR_HOSTPOD_MOUNT_MODE', `${podName}: annotation ${MOUNT_MODE_ANNOTATION}="${annotation}" must be bind or sandbox`);
  }
  const { runtime, images, config } = await openRuntime(flags, io, { mountMode: flags.mountMode });
  const mountMode: MountMode = annotation ?? config.runtime.mountMode;
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  const prefixed = containers.length > 1;
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stop.signal.aborted) return;
    io.stderr.write(`hostpod: ${signal}: stopping ${podName} (grace period ${pod.spec?.terminationGracePeriodSeconds ?? 30}s)\n`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await runPod(pod, {
      runtime,
      mountMode,
      signal: stop.signal,
      ensureImage: async (container) => {
        await ensureImage(images, container, { insecureRegistries: config.insecureRegistries, onPull: (canonical) => io.stderr.write(`hostpod: pulling ${canonical} for container "${container.name}"\n`) });
      },
      output: (name, stream, line) => (stream === 'stdout' ? io.stdout : io.stderr).write(`${prefixed ? `[${name}] ` : ''}${line}\n`),
    });
    for (const c of result.containers) {
      const { memoryLimit } = runtime.inspect(c.id);
      for (const warning of c.status.warnings ?? []) io.stderr.write(`hostpod: warning: ${warning}\n`);
      if (c.status.reason === 'OOMKilled') {
        io.stderr.write(`hostpod: container "${c.name}" was OOMKilled: it went over limits.memory (${memoryLimit ?? 'no limit'} bytes), exit code ${c.status.exitCode}\n`);
      } else if (c.status.reason === 'StartError') {
        io.stderr.write(`hostpod: container "${c.name}" could not start: ${c.status.message ?? ''}\n`);
      } else if (c.status.exitCode !== 0) {
        io.stderr.write(`hostpod: container "${c.name}" exited with code ${c.status.exitCode} (${c.status.reason})\n`);
      }
    }
    return result.exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
