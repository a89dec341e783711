/**
 * The containers of one pod through their lives, as the kubelet's pod worker drives them: the
 * kubelet's order (runtime/pod-sequence.ts), each start unless its back-off, image or config makes
 * it wait; postStart and preStop hooks; probes and what they decide; graceful stops; and the
 * collection of ended instances, with what their end could not contain reported once.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { isHostpodError } from '../errors.js';
import { ContainerStartError, exitCodeOf, MOUNT_MODE_ANNOTATION, type MountMode } from '../runtime/index.js';
import { nextPodStep, type ContainerProgress, type RestartPolicy } from '../runtime/pod-sequence.js';
import type { ApiObjectSource } from './api-objects.js';
import type { ContainerTrack } from './container-track.js';
import { podFullName, podRef, type NodeContext } from './node-context.js';
import { runnablePod } from './node-debug-pod.js';
import { ProbeWorker, runHandler, type ProbeKind, type ProbeTarget } from './probes.js';

/** What the lifecycle needs of its pod worker. */
export interface PodHandle {
  /** The pod as last seen. */
  pod(): V1Pod;
  readonly uid: string;
  readonly dir: string;
  policy(): RestartPolicy;
  /** The API-backed volumes' directories, by volume name, once written. */
  volumeDirs(): ReadonlyMap<string, string> | undefined;
  /** Runs a sync soon. */
  kick(): void;
  /** Runs a sync at `at` at the latest. */
  wakeAt(at: number): void;
}

function hasProbes(track: ContainerTrack): boolean {
  return Boolean(track.spec.readinessProbe ?? track.spec.livenessProbe ?? track.spec.startupProbe);
}

export class ContainerLifecycle {
  /** Ended instances whose containment warnings were reported. */
  readonly #reported = new Set<string>();

  constructor(
    private readonly node: NodeContext,
    private readonly handle: PodHandle,
    private readonly objects: ApiObjectSource,
  ) {}

  /** A running container's probes or an ended instance need a sync. */
  needsSync(tracks: readonly ContainerTrack[]): boolean {
    const { runtime } = this.node;
    for (const track of tracks) {
      const id = track.current;
      if (id === undefined || track.stopping) continue;
      const state = runtime.state(id);
      if ((state === 'exited' && !runtime.finalStatus(id)) || (state === 'running' && track.probesFor !== id && hasProbes(track))) return true;
    }
    return false;
  }

  /** Collects the instances that ended since the last sync; starts the probes of those that now run. */
  async collect(tracks: readonly ContainerTrack[]): Promise<void> {
    const { runtime } = this.node;
    for (const track of tracks) {
      const id = track.current;
      if (id !== undefined && runtime.state(id) === 'exited' && !runtime.finalStatus(id)) {
        await runtime.collect(id);
        track.stopProbes();
        track.ready = false;
      } else if (id !== undefined && !track.stopping && runtime.isOrphaned(id)) {
        // Its supervision ended without an exit status: the runtime records it as lost.
        await runtime.collect(id);
        track.stopProbes();
      } else this.ensureProbes(track);
    }
    this.reportContainment(tracks);
  }

  /** Starts what is due in the kubelet's order (init containers one by one, then the rest), or says why it waits. */
  async sync(all: readonly ContainerTrack[]): Promise<void> {
    const { runtime } = this.node;
    const progress: ContainerProgress[] = [];
    // Ephemeral containers are not in the kubelet's order: they start on their own, below.
    const tracks = all.filter((t) => !t.ephemeral);
    for (const track of tracks) {
      // A container being stopped is still running; an init container counts once it has ended.
      const running = track.running(runtime) || (!track.init && track.stopping);
      // One that ended since this sync collected (an init container that exits at once) is
      // collected now: it must not be taken for one that never ran, and be started twice.
      const ended = running || track.current === undefined ? undefined : (track.ended(runtime) ?? (await runtime.collect(track.current)));
      const state = running ? 'running' : ended ? { exitCode: ended.exitCode } : track.current === undefined ? 'none' : 'running';
      progress.push({ name: track.name, init: track.init, state });
    }
    const step = nextPodStep(this.handle.policy(), progress);
    const initsDone = step.initRunning === undefined && step.initFailed === undefined && !tracks.some((t) => t.init && step.start.includes(t.name));
    if (initsDone) {
      for (const track of tracks) {
        if (track.init) continue;
        if (track.waiting?.reason === 'PodInitializing') track.waiting = undefined;
        // Ended, and the policy does not restart it: it waits for nothing.
        if (!step.start.includes(track.name) && !track.running(runtime) && !track.stopping && track.ended(runtime)) track.waiting = undefined;
      }
    }
    for (const name of step.start) {
      const track = tracks.find((t) => t.name === name);
      if (track) await this.#startOrWait(track);
    }
    // As the kubelet: an ephemeral container starts once, even before initialization completes,
    // and is never restarted.
    for (const track of all) if (track.ephemeral && track.current === undefined) await this.#startOrWait(track);
  }

  /** Starts the track's next instance, unless it must wait (its back-off, its image, its config). */
  async #startOrWait(track: ContainerTrack): Promise<void> {
    const { runtime } = this.node;
    const pod = this.handle.pod();
    const ended = track.ended(runtime);
    const current = track.current;
    if (ended && current !== undefined && track.decidedFor !== current) {
      track.decidedFor = current;
      const delay = this.node.backoff.next(`${this.handle.uid}/${track.name}`, new Date(ended.startedAt ?? ended.finishedAt), new Date(ended.finishedAt));
      track.restartAt = Date.parse(ended.finishedAt) + delay;
    }
    if (ended && track.restartAt !== undefined && Date.now() < track.restartAt) {
      const seconds = Math.round((track.restartAt - Date.parse(ended.finishedAt)) / 1000);
      track.waiting = { reason: 'CrashLoopBackOff', message: `back-off ${seconds}s restarting failed container=${track.name} pod=${podFullName(pod)}` };
      this.node.events.record(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${track.name} in pod ${podFullName(pod)}`, track);
      this.handle.wakeAt(track.restartAt);
      return;
    }
    const imageWait = await this.node.images.ensure(pod, track.spec, track.init);
    if (imageWait) {
      track.waiting = { reason: imageWait.reason, message: imageWait.message };
      this.handle.wakeAt(imageWait.retryAt);
      return;
    }
    let api;
    try {
      api = await this.objects.environment(pod, track.spec, this.node.serviceEnv);
    } catch (error) {
      return this.#createFailed(track, error);
    }
    const annotation = pod.metadata?.annotations?.[MOUNT_MODE_ANNOTATION];
    // kubectl debug node's pod runs as a HostProcess pod, in bind mode (node-debug-pod.ts).
    const runnable = runnablePod(pod);
    const mountMode: MountMode = runnable.mountMode ?? (annotation === 'bind' || annotation === 'sandbox' ? annotation : this.node.mountMode);
    try {
      const started = await runtime.start({
        pod: runnable.pod,
        container: track.spec,
        init: track.init,
        restartCount: track.nextRestartCount(runtime),
        podDir: this.handle.dir,
        mountMode,
        api,
        volumeDirs: this.handle.volumeDirs() ?? new Map(),
        hostIP: this.node.hostIP,
        owner: `node/${this.node.nodeName}`,
      });
      this.#addInstance(track, started.id);
      track.waiting = undefined;
      track.stopping = false;
      track.restartAt = undefined;
      track.started = !track.spec.startupProbe;
      track.ready = !track.spec.readinessProbe;
      this.node.events.record(pod, 'Normal', 'Created', `Created container: ${track.name}`, track);
      this.node.events.record(pod, 'Normal', 'Started', `Started container ${track.name}`, track);
      // Where no private view could be made, the host got the mount point: say so (Windows never changes the host's drive).
      for (const point of started.mountPoints ?? []) {
        if (point.view !== 'created') continue;
        this.node.events.record(pod, 'Warning', 'MountPointCreated', `Mount point ${point.path} was created on the host (${point.reason ?? 'no private view'}); it is removed when no container uses it`, track);
      }
      await this.#postStart(track, started.id);
      this.ensureProbes(track);
    } catch (error) {
      if (error instanceof ContainerStartError) this.#startFailed(track, error);
      else this.#createFailed(track, error);
    }
  }

  #addInstance(track: ContainerTrack, id: string): void {
    const before = track.previous;
    track.instances.push(id);
    // The kubelet keeps one ended instance per container, for --previous.
    if (before !== undefined) {
      this.node.runtime.prune(before);
      track.instances.splice(track.instances.indexOf(before), 1);
    }
  }

  /**
   * Created, but its workload could not start (its executable is not found): as the kubelet with
   * containerd, an ended instance (StartError, exit code 128) that the restart policy and the
   * back-off treat like any other; a Never pod ends Failed.
   */
  #startFailed(track: ContainerTrack, error: ContainerStartError): void {
    this.#addInstance(track, error.containerId);
    track.waiting = undefined;
    track.stopping = false;
    track.restartAt = undefined;
    track.started = false;
    track.ready = false;
    this.node.events.record(this.handle.pod(), 'Normal', 'Created', `Created container: ${track.name}`, track);
    this.node.events.record(this.handle.pod(), 'Warning', 'Failed', `Error: ${error.message}`, track);
    this.handle.kick();
  }

  #createFailed(track: ContainerTrack, error: unknown): void {
    // The fix goes with the error: `kubectl describe pod` is where the user of a node reads it.
    const hint = isHostpodError(error) ? error.hint : undefined;
    const message = `${error instanceof Error ? error.message : String(error)}${hint ? `; ${hint}` : ''}`;
    const reason = isHostpodError(error, 'ERR_HOSTPOD_CONFIG') || isHostpodError(error, 'ERR_HOSTPOD_ENV') ? 'CreateContainerConfigError' : 'CreateContainerError';
    track.waiting = { reason, message };
    this.node.events.record(this.handle.pod(), 'Warning', 'Failed', `Error: ${message}`, track);
    this.handle.wakeAt(Date.now() + 10_000);
  }

  /** Where probes and hooks of a container run. */
  #target(id: string): ProbeTarget {
    return {
      host: this.node.hostIP,
      exec: async (command, timeoutMs) => {
        const child = this.node.runtime.spawnExec(id, command, { stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        child.stdout?.on('data', (chunk: Buffer) => { if (output.length < 10_240) output += chunk.toString(); });
        child.stderr?.on('data', (chunk: Buffer) => { if (output.length < 10_240) output += chunk.toString(); });
        let timedOut = false;
        const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
        try {
          return { exitCode: await exitCodeOf(child), output, timedOut };
        } finally {
          clearTimeout(timer);
        }
      },
    };
  }

  async #postStart(track: ContainerTrack, id: string): Promise<void> {
    const hook = track.spec.lifecycle?.postStart;
    if (!hook) return;
    const pod = this.handle.pod();
    const outcome = await runHandler(hook, track.spec, this.#target(id), (pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000);
    if (outcome.ok) return;
    // As the kubelet does: the container is killed, and restarted by the policy.
    this.node.events.record(pod, 'Warning', 'FailedPostStartHook', `PostStartHook failed: ${outcome.message}`, track);
    this.node.events.record(pod, 'Normal', 'Killing', `FailedPostStartHook`, track);
    track.stopping = true;
    await this.node.runtime.stop(id, 0);
    track.stopping = false;
  }

  /** Starts the probes of the current instance once it runs (its start resolves as its workload is launched). */
  ensureProbes(track: ContainerTrack): void {
    const id = track.current;
    if (id !== undefined && track.probesFor !== id && !track.stopping && track.running(this.node.runtime)) this.startProbes(track);
  }

  startProbes(track: ContainerTrack): void {
    const id = track.current;
    if (id === undefined) return;
    track.stopProbes();
    track.probesFor = id;
    const target = this.#target(id);
    const label: Record<ProbeKind, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };
    const events = {
      failed: (kind: ProbeKind, message: string) => {
        this.node.events.record(this.handle.pod(), 'Warning', 'Unhealthy', `${label[kind]} probe failed: ${message}`, track);
      },
      changed: (kind: ProbeKind, result: boolean) => {
        if (kind === 'readiness') track.ready = result;
        else if (kind === 'startup' && result) track.started = true;
        else if (!result) void this.#restartUnhealthy(track, id, kind);
        this.handle.kick();
      },
    };
    const gate = (): boolean => track.started;
    if (track.spec.startupProbe) track.probes.push(new ProbeWorker('startup', track.spec.startupProbe, track.spec, target, events));
    if (track.spec.livenessProbe) track.probes.push(new ProbeWorker('liveness', track.spec.livenessProbe, track.spec, target, events, gate));
    if (track.spec.readinessProbe) track.probes.push(new ProbeWorker('readiness', track.spec.readinessProbe, track.spec, target, events, gate));
    for (const probe of track.probes) probe.start();
  }

  /** A failed liveness or startup probe: the container is killed, and the restart policy decides. */
  async #restartUnhealthy(track: ContainerTrack, id: string, kind: ProbeKind): Promise<void> {
    if (track.current !== id || track.stopping) return;
    track.stopProbes();
    this.node.events.record(this.handle.pod(), 'Normal', 'Killing', `Container ${track.name} failed ${kind} probe, will be restarted`, track);
    await this.#stopTrack(track, this.handle.pod().spec?.terminationGracePeriodSeconds ?? 30);
    this.handle.kick();
  }

  /** preStop, then the stop signal, then after what is left of the grace period, the kill. */
  async #stopTrack(track: ContainerTrack, graceSeconds: number): Promise<void> {
    const id = track.current;
    if (id === undefined || !track.running(this.node.runtime)) return;
    track.stopping = true;
    track.stopProbes();
    const begun = Date.now();
    const hook = track.spec.lifecycle?.preStop;
    if (hook && graceSeconds > 0) {
      const outcome = await runHandler(hook, track.spec, this.#target(id), graceSeconds * 1000);
      if (!outcome.ok) this.node.events.record(this.handle.pod(), 'Warning', 'FailedPreStopHook', `PreStopHook failed: ${outcome.message}`, track);
    }
    const left = Math.max(0, graceSeconds - Math.floor((Date.now() - begun) / 1000));
    await this.node.runtime.stop(id, left);
    track.stopping = false;
    track.ready = false;
  }

  /** Stops every running container with the grace period (the pod's unless given). */
  async stopAll(tracks: readonly ContainerTrack[], graceSeconds: number | undefined, why: string): Promise<void> {
    const pod = this.handle.pod();
    const grace = graceSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    await Promise.all(
      tracks
        .filter((t) => t.running(this.node.runtime))
        .map((track) => {
          this.node.events.record(pod, 'Normal', 'Killing', `Stopping container ${track.name}`, track);
          this.node.log('info', 'stopping container', { pod: podRef(pod), container: track.name, grace, why });
          return this.#stopTrack(track, grace);
        }),
    );
  }

  /**
   * What the end of each ended instance could not contain (processes that had left some of its
   * cgroups, what could not be killed or removed): a Warning event and a log line, once each.
   */
  reportContainment(tracks: readonly ContainerTrack[]): void {
    for (const track of tracks) {
      for (const id of track.instances) {
        if (this.#reported.has(id)) continue;
        const status = this.node.runtime.finalStatus(id);
        if (!status) continue;
        this.#reported.add(id);
        for (const warning of status.warnings ?? []) {
          this.node.events.record(this.handle.pod(), 'Warning', 'ContainmentFailed', warning, track);
          this.node.log('warn', warning, { pod: podRef(this.handle.pod()), container: track.name });
        }
      }
    }
  }
}
