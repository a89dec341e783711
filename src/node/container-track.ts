/**
 * One container of a pod as the node agent follows it: its instances (each start is one, the
 * restart count going up), why it waits when it does, when it may restart, and what its probes
 * say; and from that, its entry in the pod's `containerStatuses` as the kubelet reports it.
 */
import type { V1Container } from '@kubernetes/client-node';
import type { ContainerRuntime, ContainerStatus } from '../runtime/index.js';
import type { ProbeWorker } from './probes.js';
import type { ContainerStateJson, ContainerStatusJson } from './pod-status.js';

/** Kubernetes times are whole seconds: `2024-05-01T10:00:00Z`. */
export function apiTime(iso: string | undefined): string | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

export const CONTAINER_ID_SCHEME = 'hostpod://';

export class ContainerTrack {
  /** Runtime container ids, oldest first; older ones than the previous are pruned. */
  readonly instances: string[] = [];
  /** Why the next instance is not running yet. */
  waiting: { reason: string; message?: string } | undefined;
  /** When the ended current instance may be replaced (CrashLoopBackOff until then). */
  restartAt: number | undefined;
  /** The instance `restartAt` was decided for. */
  decidedFor: string | undefined;
  probes: ProbeWorker[] = [];
  /** The instance whose probes run (they start once it runs). */
  probesFor: string | undefined;
  ready = false;
  started = false;
  /** Set once a stop was asked for the current instance (liveness failure, deletion). */
  stopping = false;

  constructor(
    readonly spec: V1Container,
    readonly init: boolean,
    /** An ephemeral container (`kubectl debug POD`): started once, never restarted, reported in ephemeralContainerStatuses. */
    readonly ephemeral = false,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get current(): string | undefined {
    return this.instances.at(-1);
  }

  get previous(): string | undefined {
    return this.instances.at(-2);
  }

  /** The current instance is running (its monitor has not written an exit). */
  running(runtime: ContainerRuntime): boolean {
    const id = this.current;
    return id !== undefined && runtime.state(id) === 'running';
  }

  /** The current instance's final status, when it has ended and was finalized. */
  ended(runtime: ContainerRuntime): ContainerStatus | undefined {
    const id = this.current;
    return id === undefined ? undefined : runtime.finalStatus(id);
  }

  nextRestartCount(runtime: ContainerRuntime): number {
    const id = this.current;
    return id === undefined ? 0 : runtime.inspect(id, { stats: false }).restartCount + 1;
  }

  stopProbes(): void {
    for (const probe of this.probes) probe.stop();
    this.probes = [];
  }

  /** The kubelet's container status. */
  status(runtime: ContainerRuntime): ContainerStatusJson {
    const id = this.current;
    const terminated = (instance: string): ContainerStateJson | undefined => {
      const status = runtime.finalStatus(instance);
      if (!status) return undefined;
      return {
        terminated: {
          exitCode: status.exitCode,
          reason: status.reason,
          ...(status.message ? { message: status.message } : {}),
          ...(status.startedAt ? { startedAt: apiTime(status.startedAt) } : {}),
          finishedAt: apiTime(status.finishedAt),
          containerID: `${CONTAINER_ID_SCHEME}${instance}`,
        },
      };
    };
    const base: ContainerStatusJson = {
      name: this.name,
      image: this.spec.image ?? '',
      imageID: '',
      ready: false,
      restartCount: 0,
      started: false,
      state: { waiting: this.waiting ?? { reason: 'ContainerCreating' } },
      lastState: {},
    };
    if (id === undefined) return base;
    // The status needs the records only: reading the cgroup's memory, CPU and processes for every
    // status the agent reports cost a tenth of its thread when 110 pods started at once.
    const container = runtime.inspect(id, { stats: false });
    base.imageID = container.imageId;
    base.containerID = `${CONTAINER_ID_SCHEME}${id}`;
    base.restartCount = container.restartCount;
    const previous = this.previous;
    base.lastState = (previous !== undefined ? terminated(previous) : undefined) ?? {};
    const ended = terminated(id);
    if (!ended) {
      base.state = { running: { startedAt: apiTime(container.startedAt) ?? apiTime(container.createdAt) } };
      base.started = this.started;
      base.ready = this.ready && this.started;
      return base;
    }
    if (this.waiting) {
      // Waiting to replace the ended instance: it becomes the last state, as the kubelet shows a crash loop.
      base.state = { waiting: this.waiting };
      base.lastState = ended;
      return base;
    }
    base.state = ended;
    return base;
  }
}
