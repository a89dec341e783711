/**
 * One pod on this node, as the kubelet's pod worker runs it: a sync loop woken by pod updates,
 * probes, ended containers and timers. Each sync collects ended containers, handles deletion and
 * activeDeadlineSeconds, writes the API-backed volumes, lets the containers' lifecycle start what
 * is due (container-lifecycle.ts), and reports the status (pod-status-manager.ts). When the pod is
 * deleted: a graceful stop, the final status, the final delete, and the node cleaned up.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { RestartPolicy } from '../runtime/pod-sequence.js';
import { ApiObjectSource } from './api-objects.js';
import { ContainerLifecycle } from './container-lifecycle.js';
import { apiTime, ContainerTrack } from './container-track.js';
import { podRef, type NodeContext } from './node-context.js';
import { deletePodNow } from './pod-api.js';
import { PodStatusManager, type TerminalStatus } from './pod-status-manager.js';
import { PodVolumes } from './volumes/pod-volumes.js';
import { hostProcessMessage, isNodeDebugPod, RUNNING_AS_HOST_PROCESS } from './node-debug-pod.js';
import { isHostProcessPod } from '../policy/validation/index.js';

export type { NodeContext } from './node-context.js';

export class PodWorker {
  readonly uid: string;
  readonly tracks: ContainerTrack[];
  #pod: V1Pod;
  /** How many versions of the pod the watch has brought (`update`). */
  #updates = 0;
  /** Gone from the API (deleted with no grace, or while hostpod was down). */
  #removed = false;
  #finished = false;
  #wake: (() => void) | undefined;
  #kicked = false;
  #nextWakeAt = Number.POSITIVE_INFINITY;
  readonly #volumes: PodVolumes;
  #volumeDirs: Map<string, string> | undefined;
  #volumesSyncedAt = 0;
  #volumeError: string | undefined;
  readonly #lifecycle: ContainerLifecycle;
  readonly #status: PodStatusManager;
  /** Ended by the node itself: activeDeadlineSeconds. */
  #terminal: TerminalStatus | undefined;
  #startTime: string | undefined;
  #announced = false;
  readonly dir: string;
  readonly done: Promise<void>;

  constructor(pod: V1Pod, private readonly node: NodeContext, adopted: readonly string[] = []) {
    this.#pod = pod;
    this.uid = pod.metadata?.uid ?? '';
    this.dir = node.runtime.podDir(this.uid);
    const objects = new ApiObjectSource(node.client, node.objects);
    this.#volumes = new PodVolumes(node.client, this.dir, node.hostIP, Date.now, objects);
    this.#lifecycle = new ContainerLifecycle(node, {
      pod: () => this.#pod,
      uid: this.uid,
      dir: this.dir,
      policy: () => this.#policy,
      volumeDirs: () => this.#volumeDirs,
      kick: () => this.kick(),
      wakeAt: (at) => this.#wakeAt(at),
    }, objects);
    this.#status = new PodStatusManager(node.client, node.runtime, node.hostIP);
    this.#startTime = (pod.status?.startTime as unknown as string | undefined) ?? undefined;
    this.tracks = [
      ...(pod.spec?.initContainers ?? []).map((c) => new ContainerTrack(c, true)),
      ...(pod.spec?.containers ?? []).map((c) => new ContainerTrack(c, false)),
    ];
    this.#addEphemeralTracks(pod);
    // Re-adoption: the instances an earlier agent started, by restart count.
    const containers = adopted.map((id) => node.runtime.inspect(id, { stats: false })).sort((a, b) => a.restartCount - b.restartCount);
    for (const container of containers) this.tracks.find((t) => t.name === container.name && t.init === container.init)?.instances.push(container.id);
    // The kubelet's reason for containers that wait for the init containers.
    if (this.tracks.some((t) => t.init)) for (const track of this.tracks) if (!track.init) track.waiting = { reason: 'PodInitializing' };
    for (const track of this.tracks) {
      if (track.running(node.runtime)) {
        // It ran before hostpod restarted: it has started, and readiness is probed again.
        track.started = !track.spec.startupProbe;
        track.ready = !track.spec.readinessProbe;
        this.#lifecycle.startProbes(track);
      }
    }
    this.done = this.#run().finally(() => node.objects.release(this.uid));
  }

  get pod(): V1Pod {
    return this.#pod;
  }

  /** A newer version of the pod from the API. */
  update(pod: V1Pod): void {
    this.#pod = pod;
    this.#updates++;
    this.#addEphemeralTracks(pod);
    this.kick();
  }

  /** Tracks for the ephemeral containers added to the pod (`kubectl debug POD`); they are only ever added. */
  #addEphemeralTracks(pod: V1Pod): void {
    for (const container of pod.spec?.ephemeralContainers ?? []) {
      if (!this.tracks.some((t) => t.name === container.name)) this.tracks.push(new ContainerTrack(container, false, true));
    }
  }

  /** The pod is gone from the API: stop what runs, without a final status. */
  remove(): void {
    this.#removed = true;
    this.kick();
  }

  /** The agent stops: no more syncs or probes; the containers keep running for the next agent. */
  detach(): void {
    this.#finished = true;
    for (const track of this.tracks) track.stopProbes();
    this.#wake?.();
  }

  /** Runs a sync soon. */
  kick(): void {
    this.#kicked = true;
    this.#wake?.();
  }

  /** Called on the node's tick: kicks when a running container has ended or its probes are due. */
  poll(): void {
    if (this.#lifecycle.needsSync(this.tracks) || Date.now() >= this.#nextWakeAt) this.kick();
  }

  /** The track of a container, for logs and exec. */
  track(name: string): ContainerTrack | undefined {
    return this.tracks.find((t) => t.name === name);
  }

  async #run(): Promise<void> {
    while (!this.#finished) {
      this.#kicked = false;
      this.#nextWakeAt = Number.POSITIVE_INFINITY;
      try {
        await this.#sync();
      } catch (error) {
        this.node.log('error', 'pod sync failed', { pod: podRef(this.#pod), error: (error as Error).message });
        this.#wakeAt(Date.now() + 5000);
      }
      if (this.#finished || this.#kicked) continue;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        if (this.#kicked) resolve();
      });
      this.#wake = undefined;
    }
  }

  #wakeAt(at: number): void {
    this.#nextWakeAt = Math.min(this.#nextWakeAt, at);
  }

  get #policy(): RestartPolicy {
    return (this.#pod.spec?.restartPolicy ?? 'Always') as RestartPolicy;
  }

  async #sync(): Promise<void> {
    await this.#lifecycle.collect(this.tracks);
    if (this.#removed || this.#pod.metadata?.deletionTimestamp) {
      await this.#terminate();
      return;
    }
    this.#startTime ??= apiTime(new Date().toISOString());
    const phase = this.#status.phase(this.tracks, this.#policy, this.#terminal);
    if (phase === 'Succeeded' || phase === 'Failed') {
      for (const track of this.tracks) track.stopProbes();
      await this.#publish();
      return;
    }
    if (this.#deadlineExceeded()) {
      this.node.events.record(this.#pod, 'Normal', 'DeadlineExceeded', 'Pod was active on the node longer than the specified deadline');
      await this.#lifecycle.stopAll(this.tracks, undefined, 'DeadlineExceeded');
      this.#terminal = { phase: 'Failed', reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' };
      await this.#publish();
      return;
    }
    this.#announceHostProcess();
    if (!(await this.#syncVolumes())) {
      await this.#publish();
      return;
    }
    await this.#lifecycle.sync(this.tracks);
    await this.#publish();
  }

  /** kubectl debug node's pod is run as a HostProcess pod: its event says so, once. */
  #announceHostProcess(): void {
    const spec = this.#pod.spec;
    if (this.#announced || !spec || isHostProcessPod(spec) || !isNodeDebugPod(spec)) return;
    this.#announced = true;
    this.node.events.record(this.#pod, 'Normal', RUNNING_AS_HOST_PROCESS, hostProcessMessage(spec));
  }

  #deadlineExceeded(): boolean {
    const deadline = this.#pod.spec?.activeDeadlineSeconds;
    if (deadline === undefined || this.#startTime === undefined) return false;
    const end = Date.parse(this.#startTime) + deadline * 1000;
    if (Date.now() >= end) return true;
    this.#wakeAt(end);
    return false;
  }

  async #syncVolumes(): Promise<boolean> {
    if (this.#volumeDirs && Date.now() - this.#volumesSyncedAt < this.node.syncFrequencyMs) {
      this.#wakeAt(this.#volumesSyncedAt + this.node.syncFrequencyMs);
      return true;
    }
    this.node.runtime.preparePod(this.uid);
    try {
      this.#volumeDirs = await this.#volumes.sync(this.#pod);
      this.#volumesSyncedAt = Date.now();
      this.#volumeError = undefined;
      this.#wakeAt(this.#volumesSyncedAt + this.node.syncFrequencyMs);
      return true;
    } catch (error) {
      const message = (error as Error).message;
      if (this.#volumeError !== message) this.node.events.record(this.#pod, 'Warning', 'FailedMount', `MountVolume.SetUp failed: ${message}`);
      this.#volumeError = message;
      this.#wakeAt(Date.now() + 10_000);
      // Volumes written before keep serving running containers; a first setup blocks the start.
      return this.#volumeDirs !== undefined;
    }
  }

  /** Deletion: stop everything with the grace period, report, delete the pod for good, clean up. */
  async #terminate(): Promise<void> {
    const grace = this.#pod.metadata?.deletionGracePeriodSeconds ?? this.#pod.spec?.terminationGracePeriodSeconds ?? 30;
    await this.#lifecycle.stopAll(this.tracks, grace, this.#removed ? 'removed from the API' : 'deleted');
    this.#lifecycle.reportContainment(this.tracks);
    if (!this.#removed) {
      await this.#publish();
      await deletePodNow(this.node.client, this.#pod);
    }
    this.cleanUp();
    this.#finished = true;
  }

  /** Removes what the pod left on the node: its ended containers, their logs, its directory. */
  cleanUp(): void {
    for (const track of this.tracks) {
      track.stopProbes();
      for (const id of track.instances) this.node.runtime.prune(id);
    }
    const { namespace = 'default', name = '' } = this.#pod.metadata ?? {};
    this.node.runtime.removePod(this.uid, { namespace, name, uid: this.uid });
    this.node.events.forget(this.uid);
    this.node.images.forget(this.uid);
    this.node.backoff.forget(`${this.uid}/`);
  }

  /** Reports the status when it changed; a pod gone from the API is stopped. */
  async #publish(): Promise<void> {
    const updates = this.#updates;
    const updated = await this.#status.publish(this.#pod, this.tracks, this.#policy, this.#startTime, this.#terminal);
    if (updated === 'gone') {
      this.#removed = true;
      this.kick();
      return;
    }
    // The answer to the status patch is the pod as the patch left it; a version the watch brought
    // meanwhile may be newer (its deletion): it is kept, and the watch brings the patched one after.
    // Taking the answer then lost the deletion, and the pod ran on.
    if (updated?.metadata?.uid === this.uid && this.#updates === updates) this.#pod = updated;
  }
}
