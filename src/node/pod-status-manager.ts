/**
 * A pod's status as the node reports it, as the kubelet's status manager keeps it: assembled from
 * the containers' tracks (phase, conditions, container statuses) and patched to the API only when
 * it changed.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { stableJson } from '../api/json/index.js';
import type { ContainerRuntime } from '../runtime/index.js';
import type { ContainerTrack } from './container-track.js';
import type { KubeClient } from './kube-client/client.js';
import { patchPodStatus } from './pod-api.js';
import { podConditions, podPhase, type ContainerStatusJson, type PodConditionJson, type PodPhase, type RestartPolicy } from './pod-status.js';

/** Ended by the node itself (activeDeadlineSeconds): its phase, reason and message. */
export interface TerminalStatus {
  phase: PodPhase;
  reason: string;
  message: string;
}

export class PodStatusManager {
  #lastStatus = '';

  constructor(
    private readonly client: KubeClient,
    private readonly runtime: ContainerRuntime,
    private readonly hostIP: string,
  ) {}

  statuses(tracks: readonly ContainerTrack[], init: boolean): ContainerStatusJson[] {
    return tracks.filter((t) => t.init === init && !t.ephemeral).map((t) => t.status(this.runtime));
  }

  /** The ephemeral containers' statuses (`kubectl debug POD`), which count for neither phase nor readiness. */
  ephemeralStatuses(tracks: readonly ContainerTrack[]): ContainerStatusJson[] {
    return tracks.filter((t) => t.ephemeral).map((t) => t.status(this.runtime));
  }

  phase(tracks: readonly ContainerTrack[], policy: RestartPolicy, terminal: TerminalStatus | undefined): PodPhase {
    if (terminal) return terminal.phase;
    const inits = tracks.filter((t) => t.init).map((t) => t.name);
    const names = tracks.filter((t) => !t.init && !t.ephemeral).map((t) => t.name);
    return podPhase(policy, inits, this.statuses(tracks, true), names, this.statuses(tracks, false));
  }

  /**
   * Patches the pod's status when it changed.
   * @returns the pod as the API now has it; `gone` when it no longer exists; undefined when nothing changed
   */
  async publish(pod: V1Pod, tracks: readonly ContainerTrack[], policy: RestartPolicy, startTime: string | undefined, terminal: TerminalStatus | undefined): Promise<V1Pod | 'gone' | undefined> {
    const initStatuses = this.statuses(tracks, true);
    const statuses = this.statuses(tracks, false);
    const inits = tracks.filter((t) => t.init).map((t) => t.name);
    const names = tracks.filter((t) => !t.init && !t.ephemeral).map((t) => t.name);
    const ephemeralStatuses = this.ephemeralStatuses(tracks);
    const phase = this.phase(tracks, policy, terminal);
    const previous = (pod.status?.conditions ?? []) as unknown as PodConditionJson[];
    const owned = new Set(['Initialized', 'Ready', 'ContainersReady']);
    const conditions = [...previous.filter((c) => !owned.has(c.type)), ...podConditions(phase, inits, initStatuses, names, statuses, previous, new Date())];
    const status: Record<string, unknown> = {
      phase,
      conditions,
      hostIP: this.hostIP,
      hostIPs: [{ ip: this.hostIP }],
      podIP: this.hostIP,
      podIPs: [{ ip: this.hostIP }],
      startTime,
      ...(initStatuses.length > 0 ? { initContainerStatuses: initStatuses } : {}),
      containerStatuses: statuses,
      ...(ephemeralStatuses.length > 0 ? { ephemeralContainerStatuses: ephemeralStatuses } : {}),
      ...(terminal ? { reason: terminal.reason, message: terminal.message } : {}),
      ...(pod.status?.qosClass ? { qosClass: pod.status.qosClass } : {}),
    };
    // Keys sorted: the conditions kept from the API server come back with their fields in its
    // order, which alone made every pod's status look changed once more (a patch that changed
    // nothing, for each pod started).
    const text = stableJson(status, (key) => key === 'lastTransitionTime' || key === 'lastProbeTime');
    if (text === this.#lastStatus) return undefined;
    const updated = await patchPodStatus(this.client, pod, status);
    if (!updated) return 'gone';
    this.#lastStatus = text;
    return updated;
  }
}
