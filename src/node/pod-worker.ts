/**
 * One pod on this node, as the kubelet's pod worker runs it: its API-backed volumes, its init
 * containers one after another, then its containers, each restarted by the pod's restartPolicy
 * with CrashLoopBackOff; probes and lifecycle hooks; activeDeadlineSeconds; and, when the pod is
 * deleted, a graceful stop followed by the final delete. After every step it reports the pod's
 * status (phase, conditions, container statuses) with a patch, and the step as an event.
 */
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { rmSync } from 'node:fs';
import { isHostpodError } from '../errors.js';
import type { ApiObjects } from '../runtime/command.js';
import { MOUNT_MODE_ANNOTATION, type MountMode } from '../runtime/container.js';
import { ensurePodDir } from '../runtime/data-dir.js';
import { podLogDir } from '../runtime/logs.js';
import { podDir, removePodDir } from '../runtime/pod.js';
import { exitCodeOf, type Runtime } from '../runtime/runtime.js';
import { apiTime, ContainerTrack } from './container-track.js';
import type { EventRecorder } from './events.js';
import type { ImagePuller } from './image-puller.js';
import type { KubeClient } from './kube-client/client.js';
import { deletePodNow, patchPodStatus } from './pod-api.js';
import { podConditions, podPhase, type ContainerStatusJson, type PodConditionJson, type PodPhase, type RestartPolicy } from './pod-status.js';
import { ProbeWorker, runHandler, type ProbeKind, type ProbeTarget } from './probes.js';
import type { RestartBackoff } from './restart-backoff.js';
import { PodVolumes } from './volumes/pod-volumes.js';
import type { WatchedObjects } from './volumes/watched-objects.js';

/** How often API-backed volumes are rewritten (ConfigMap and Secret changes, token refresh). */
const VOLUME_RESYNC_MS = 60_000;

export interface NodeContext {
  client: KubeClient;
  runtime: Runtime;
  images: ImagePuller;
  events: EventRecorder;
  backoff: RestartBackoff;
  nodeName: string;
  hostIP: string;
  mountMode: MountMode;
  /** The ConfigMaps and Secrets of the node's pods' volumes, watched. */
  objects: WatchedObjects;
  /** KUBERNETES_SERVICE_HOST and the like, for every container. */
  serviceEnv: Readonly<Record<string, string>>;
  log: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

function podRef(pod: V1Pod): string {
  return `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`;
}

/** The kubelet's `name_namespace(uid)`. */
function podFullName(pod: V1Pod): string {
  return `${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? 'default'}(${pod.metadata?.uid ?? ''})`;
}

function hasProbes(track: ContainerTrack): boolean {
  return Boolean(track.spec.readinessProbe ?? track.spec.livenessProbe ?? track.spec.startupProbe);
}

function shouldRestart(policy: RestartPolicy, exitCode: number): boolean {
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

export class PodWorker {
  readonly uid: string;
  readonly tracks: ContainerTrack[];
  #pod: V1Pod;
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
  /** Ended by the node itself: activeDeadlineSeconds. */
  #terminal: { phase: PodPhase; reason: string; message: string } | undefined;
  #startTime: string | undefined;
  #lastStatus = '';
  /** Ended instances whose containment warnings were reported. */
  readonly #reported = new Set<string>();
  readonly dir: string;
  readonly done: Promise<void>;

  constructor(pod: V1Pod, private readonly node: NodeContext, adopted: readonly string[] = []) {
    this.#pod = pod;
    this.uid = pod.metadata?.uid ?? '';
    this.dir = podDir(node.runtime.dataDir, this.uid);
    this.#volumes = new PodVolumes(node.client, this.dir, node.hostIP, Date.now, node.objects);
    this.#startTime = (pod.status?.startTime as unknown as string | undefined) ?? undefined;
    this.tracks = [
      ...(pod.spec?.initContainers ?? []).map((c) => new ContainerTrack(c, true)),
      ...(pod.spec?.containers ?? []).map((c) => new ContainerTrack(c, false)),
    ];
    // Re-adoption: the instances an earlier agent started, by restart count.
    const records = adopted.map((id) => node.runtime.containers.record(id)).sort((a, b) => a.restartCount - b.restartCount);
    for (const record of records) this.tracks.find((t) => t.name === record.name && t.init === record.init)?.instances.push(record.id);
    // The kubelet's reason for containers that wait for the init containers.
    if (this.tracks.some((t) => t.init)) for (const track of this.tracks) if (!track.init) track.waiting = { reason: 'PodInitializing' };
    for (const track of this.tracks) {
      if (track.running(node.runtime)) {
        // It ran before hostpod restarted: it has started, and readiness is probed again.
        track.started = !track.spec.startupProbe;
        track.ready = !track.spec.readinessProbe;
        this.#startProbes(track);
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
    this.kick();
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

  /** Called on the node's tick: kicks when a running container has ended. */
  poll(): void {
    for (const track of this.tracks) {
      const id = track.current;
      if (id === undefined || track.stopping) continue;
      const state = this.node.runtime.containers.state(id);
      if ((state === 'exited' && !this.node.runtime.containers.status(id)) || (state === 'running' && track.probesFor !== id && hasProbes(track))) {
        this.kick();
        return;
      }
    }
    if (Date.now() >= this.#nextWakeAt) this.kick();
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
    const { runtime } = this.node;
    // Collect the instances that ended since the last sync.
    for (const track of this.tracks) {
      const id = track.current;
      if (id !== undefined && runtime.containers.state(id) === 'exited' && !runtime.containers.status(id)) {
        await runtime.finalize(id);
        track.stopProbes();
        track.ready = false;
      } else if (id !== undefined && track.running(runtime) && runtime.containers.liveMonitor(id) === undefined && !track.stopping) {
        // The monitor died without an exit: the runtime records it as lost.
        await runtime.wait(id);
        track.stopProbes();
      } else this.#ensureProbes(track);
    }
    this.#reportContainment();
    if (this.#removed || this.#pod.metadata?.deletionTimestamp) {
      await this.#terminate();
      return;
    }
    this.#startTime ??= apiTime(new Date().toISOString());
    const phase = this.#phase();
    if (phase === 'Succeeded' || phase === 'Failed') {
      for (const track of this.tracks) track.stopProbes();
      await this.#publish();
      return;
    }
    if (this.#deadlineExceeded()) {
      this.node.events.record(this.#pod, 'Normal', 'DeadlineExceeded', 'Pod was active on the node longer than the specified deadline');
      await this.#stopAll(undefined, 'DeadlineExceeded');
      this.#terminal = { phase: 'Failed', reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' };
      await this.#publish();
      return;
    }
    if (!(await this.#syncVolumes())) {
      await this.#publish();
      return;
    }
    await this.#syncContainers();
    await this.#publish();
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
    if (this.#volumeDirs && Date.now() - this.#volumesSyncedAt < VOLUME_RESYNC_MS) {
      this.#wakeAt(this.#volumesSyncedAt + VOLUME_RESYNC_MS);
      return true;
    }
    ensurePodDir(this.dir);
    try {
      this.#volumeDirs = await this.#volumes.sync(this.#pod);
      this.#volumesSyncedAt = Date.now();
      this.#volumeError = undefined;
      this.#wakeAt(this.#volumesSyncedAt + VOLUME_RESYNC_MS);
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

  async #syncContainers(): Promise<void> {
    const { runtime } = this.node;
    const inits = this.tracks.filter((t) => t.init);
    for (const track of inits) {
      if (track.running(runtime)) return;
      const ended = track.ended(runtime);
      if (ended?.exitCode === 0) continue;
      if (ended && this.#policy === 'Never') return;
      await this.#startOrWait(track);
      return;
    }
    for (const track of this.tracks.filter((t) => !t.init)) {
      if (track.waiting?.reason === 'PodInitializing') track.waiting = undefined;
      if (track.running(runtime) || track.stopping) continue;
      const ended = track.ended(runtime);
      if (ended && !shouldRestart(this.#policy, ended.exitCode)) {
        track.waiting = undefined;
        continue;
      }
      await this.#startOrWait(track);
    }
  }

  /** Starts the track's next instance, unless it must wait (its back-off, its image, its config). */
  async #startOrWait(track: ContainerTrack): Promise<void> {
    const { runtime } = this.node;
    const ended = track.ended(runtime);
    const current = track.current;
    if (ended && current !== undefined && track.decidedFor !== current) {
      track.decidedFor = current;
      const delay = this.node.backoff.next(`${this.uid}/${track.name}`, new Date(ended.startedAt ?? ended.finishedAt), new Date(ended.finishedAt));
      track.restartAt = Date.parse(ended.finishedAt) + delay;
    }
    if (ended && track.restartAt !== undefined && Date.now() < track.restartAt) {
      const seconds = Math.round((track.restartAt - Date.parse(ended.finishedAt)) / 1000);
      track.waiting = { reason: 'CrashLoopBackOff', message: `back-off ${seconds}s restarting failed container=${track.name} pod=${podFullName(this.#pod)}` };
      this.node.events.record(this.#pod, 'Warning', 'BackOff', `Back-off restarting failed container ${track.name} in pod ${podFullName(this.#pod)}`, track);
      this.#wakeAt(track.restartAt);
      return;
    }
    const imageWait = await this.node.images.ensure(this.#pod, track.spec, track.init);
    if (imageWait) {
      track.waiting = { reason: imageWait.reason, message: imageWait.message };
      this.#wakeAt(imageWait.retryAt);
      return;
    }
    let api: ApiObjects;
    try {
      api = await this.#apiObjects(track.spec);
    } catch (error) {
      return this.#createFailed(track, error);
    }
    const annotation = this.#pod.metadata?.annotations?.[MOUNT_MODE_ANNOTATION];
    const mountMode: MountMode = annotation === 'bind' || annotation === 'sandbox' ? annotation : this.node.mountMode;
    try {
      const record = await runtime.start({
        pod: this.#pod,
        container: track.spec,
        init: track.init,
        restartCount: track.nextRestartCount(runtime),
        podDir: this.dir,
        mountMode,
        api,
        volumeDirs: this.#volumeDirs ?? new Map(),
        hostIP: this.node.hostIP,
        owner: `node/${this.node.nodeName}`,
      });
      const before = track.previous;
      track.instances.push(record.id);
      // The kubelet keeps one ended instance per container, for --previous.
      if (before !== undefined) {
        runtime.prune(before);
        track.instances.splice(track.instances.indexOf(before), 1);
      }
      track.waiting = undefined;
      track.stopping = false;
      track.restartAt = undefined;
      track.started = !track.spec.startupProbe;
      track.ready = !track.spec.readinessProbe;
      this.node.events.record(this.#pod, 'Normal', 'Created', `Created container: ${track.name}`, track);
      this.node.events.record(this.#pod, 'Normal', 'Started', `Started container ${track.name}`, track);
      await this.#postStart(track, record.id);
      this.#ensureProbes(track);
    } catch (error) {
      this.#createFailed(track, error);
    }
  }

  #createFailed(track: ContainerTrack, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    const reason = isHostpodError(error, 'ERR_HOSTPOD_CONFIG') || isHostpodError(error, 'ERR_HOSTPOD_ENV') ? 'CreateContainerConfigError' : 'CreateContainerError';
    track.waiting = { reason, message };
    this.node.events.record(this.#pod, 'Warning', 'Failed', `Error: ${message}`, track);
    this.#wakeAt(Date.now() + 10_000);
  }

  /** The ConfigMaps and Secrets the container's environment reads. */
  async #apiObjects(container: V1Container): Promise<ApiObjects> {
    const namespace = encodeURIComponent(this.#pod.metadata?.namespace ?? 'default');
    const configMaps = new Map<string, Record<string, string> | undefined>();
    const secrets = new Map<string, Record<string, string> | undefined>();
    for (const source of container.envFrom ?? []) {
      if (source.configMapRef?.name) configMaps.set(source.configMapRef.name, undefined);
      if (source.secretRef?.name) secrets.set(source.secretRef.name, undefined);
    }
    for (const variable of container.env ?? []) {
      if (variable.valueFrom?.configMapKeyRef?.name) configMaps.set(variable.valueFrom.configMapKeyRef.name, undefined);
      if (variable.valueFrom?.secretKeyRef?.name) secrets.set(variable.valueFrom.secretKeyRef.name, undefined);
    }
    for (const name of configMaps.keys()) {
      const configMap = await this.node.client.find<{ data?: Record<string, string> }>(`/api/v1/namespaces/${namespace}/configmaps/${encodeURIComponent(name)}`);
      configMaps.set(name, configMap ? (configMap.data ?? {}) : undefined);
    }
    for (const name of secrets.keys()) {
      const secret = await this.node.client.find<{ data?: Record<string, string> }>(`/api/v1/namespaces/${namespace}/secrets/${encodeURIComponent(name)}`);
      secrets.set(name, secret ? Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()])) : undefined);
    }
    return { configMap: (name) => configMaps.get(name), secret: (name) => secrets.get(name), serviceEnv: this.node.serviceEnv };
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
    const outcome = await runHandler(hook, track.spec, this.#target(id), (this.#pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000);
    if (outcome.ok) return;
    // As the kubelet does: the container is killed, and restarted by the policy.
    this.node.events.record(this.#pod, 'Warning', 'FailedPostStartHook', `PostStartHook failed: ${outcome.message}`, track);
    this.node.events.record(this.#pod, 'Normal', 'Killing', `FailedPostStartHook`, track);
    track.stopping = true;
    await this.node.runtime.stop(id, 0);
    track.stopping = false;
  }

  /** Starts the probes of the current instance once it runs (its start resolves as its workload is launched). */
  #ensureProbes(track: ContainerTrack): void {
    const id = track.current;
    if (id !== undefined && track.probesFor !== id && !track.stopping && track.running(this.node.runtime)) this.#startProbes(track);
  }

  #startProbes(track: ContainerTrack): void {
    const id = track.current;
    if (id === undefined) return;
    track.stopProbes();
    track.probesFor = id;
    const target = this.#target(id);
    const label: Record<ProbeKind, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };
    const events = {
      failed: (kind: ProbeKind, message: string) => {
        this.node.events.record(this.#pod, 'Warning', 'Unhealthy', `${label[kind]} probe failed: ${message}`, track);
      },
      changed: (kind: ProbeKind, result: boolean) => {
        if (kind === 'readiness') track.ready = result;
        else if (kind === 'startup' && result) track.started = true;
        else if (!result) void this.#restartUnhealthy(track, id, kind);
        this.kick();
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
    this.node.events.record(this.#pod, 'Normal', 'Killing', `Container ${track.name} failed ${kind} probe, will be restarted`, track);
    await this.#stopTrack(track, this.#pod.spec?.terminationGracePeriodSeconds ?? 30);
    this.kick();
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
      if (!outcome.ok) this.node.events.record(this.#pod, 'Warning', 'FailedPreStopHook', `PreStopHook failed: ${outcome.message}`, track);
    }
    const left = Math.max(0, graceSeconds - Math.floor((Date.now() - begun) / 1000));
    await this.node.runtime.stop(id, left);
    track.stopping = false;
    track.ready = false;
  }

  async #stopAll(graceSeconds: number | undefined, why: string): Promise<void> {
    const grace = graceSeconds ?? this.#pod.spec?.terminationGracePeriodSeconds ?? 30;
    await Promise.all(
      this.tracks
        .filter((t) => t.running(this.node.runtime))
        .map((track) => {
          this.node.events.record(this.#pod, 'Normal', 'Killing', `Stopping container ${track.name}`, track);
          this.node.log('info', 'stopping container', { pod: podRef(this.#pod), container: track.name, grace, why });
          return this.#stopTrack(track, grace);
        }),
    );
  }

  /** Deletion: stop everything with the grace period, report, delete the pod for good, clean up. */
  async #terminate(): Promise<void> {
    const grace = this.#pod.metadata?.deletionGracePeriodSeconds ?? this.#pod.spec?.terminationGracePeriodSeconds ?? 30;
    await this.#stopAll(grace, this.#removed ? 'removed from the API' : 'deleted');
    this.#reportContainment();
    if (!this.#removed) {
      await this.#publish();
      await deletePodNow(this.node.client, this.#pod);
    }
    this.cleanUp();
    this.#finished = true;
  }

  /**
   * What the end of each ended instance could not contain (processes that had left some of its
   * cgroups, what could not be killed or removed): a Warning event and a log line, once each.
   */
  #reportContainment(): void {
    for (const track of this.tracks) {
      for (const id of track.instances) {
        if (this.#reported.has(id)) continue;
        const status = this.node.runtime.containers.status(id);
        if (!status) continue;
        this.#reported.add(id);
        for (const warning of status.warnings ?? []) {
          this.node.events.record(this.#pod, 'Warning', 'ContainmentFailed', warning, track);
          this.node.log('warn', warning, { pod: podRef(this.#pod), container: track.name });
        }
      }
    }
  }

  /** Removes what the pod left on the node: its ended containers, their logs, its directory. */
  cleanUp(): void {
    for (const track of this.tracks) {
      track.stopProbes();
      for (const id of track.instances) this.node.runtime.prune(id);
    }
    removePodDir(this.dir);
    const { namespace = 'default', name = '' } = this.#pod.metadata ?? {};
    rmSync(podLogDir(this.node.runtime.logRoot, { namespace, name, uid: this.uid }), { recursive: true, force: true });
    this.node.events.forget(this.uid);
    this.node.images.forget(this.uid);
    this.node.backoff.forget(`${this.uid}/`);
  }

  #statuses(init: boolean): ContainerStatusJson[] {
    return this.tracks.filter((t) => t.init === init).map((t) => t.status(this.node.runtime));
  }

  #phase(): PodPhase {
    if (this.#terminal) return this.#terminal.phase;
    const inits = this.tracks.filter((t) => t.init).map((t) => t.name);
    const names = this.tracks.filter((t) => !t.init).map((t) => t.name);
    return podPhase(this.#policy, inits, this.#statuses(true), names, this.#statuses(false));
  }

  /** Patches the pod's status when it changed. */
  async #publish(): Promise<void> {
    const initStatuses = this.#statuses(true);
    const statuses = this.#statuses(false);
    const inits = this.tracks.filter((t) => t.init).map((t) => t.name);
    const names = this.tracks.filter((t) => !t.init).map((t) => t.name);
    const phase = this.#phase();
    const previous = (this.#pod.status?.conditions ?? []) as unknown as PodConditionJson[];
    const owned = new Set(['Initialized', 'Ready', 'ContainersReady']);
    const conditions = [...previous.filter((c) => !owned.has(c.type)), ...podConditions(phase, inits, initStatuses, names, statuses, previous, new Date())];
    const status: Record<string, unknown> = {
      phase,
      conditions,
      hostIP: this.node.hostIP,
      hostIPs: [{ ip: this.node.hostIP }],
      podIP: this.node.hostIP,
      podIPs: [{ ip: this.node.hostIP }],
      startTime: this.#startTime,
      ...(initStatuses.length > 0 ? { initContainerStatuses: initStatuses } : {}),
      containerStatuses: statuses,
      ...(this.#terminal ? { reason: this.#terminal.reason, message: this.#terminal.message } : {}),
      ...(this.#pod.status?.qosClass ? { qosClass: this.#pod.status.qosClass } : {}),
    };
    const text = JSON.stringify(status, (key, value: unknown) => (key === 'lastTransitionTime' || key === 'lastProbeTime' ? undefined : value));
    if (text === this.#lastStatus) return;
    const updated = await patchPodStatus(this.node.client, this.#pod, status);
    if (!updated) {
      this.#removed = true;
      this.kick();
      return;
    }
    this.#lastStatus = text;
    if (updated.metadata?.uid === this.uid) this.#pod = updated;
  }
}
