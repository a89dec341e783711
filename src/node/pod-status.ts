/**
 * A pod's phase and conditions from its container statuses, by the kubelet's rules: init
 * containers gate `Initialized`; a crash-looping container counts as stopped, so a pod that
 * restarts `Always` stays Running; `Ready` follows `ContainersReady` until the pod completes.
 */
import type { V1ContainerStatus, V1PodCondition } from '@kubernetes/client-node';
import type { RestartPolicy } from '../runtime/pod-sequence.js';

export type { RestartPolicy };
export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/** Container statuses as JSON (times are strings): client-node's types with Date fields relaxed. */
export type ContainerStatusJson = Omit<V1ContainerStatus, 'state' | 'lastState'> & {
  state?: ContainerStateJson;
  lastState?: ContainerStateJson;
};

export interface ContainerStateJson {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { exitCode: number; signal?: number; reason?: string; message?: string; startedAt?: string; finishedAt?: string; containerID?: string };
}

export type PodConditionJson = Omit<V1PodCondition, 'lastProbeTime' | 'lastTransitionTime'> & { lastProbeTime?: string | null; lastTransitionTime?: string };

/** Whether every init container has completed successfully. */
export function initialized(initStatuses: readonly ContainerStatusJson[], initNames: readonly string[]): boolean {
  return initNames.every((name) => initStatuses.find((s) => s.name === name)?.state?.terminated?.exitCode === 0);
}

/** The kubelet's getPhase. */
export function podPhase(restartPolicy: RestartPolicy, initNames: readonly string[], initStatuses: readonly ContainerStatusJson[], names: readonly string[], statuses: readonly ContainerStatusJson[]): PodPhase {
  if (!initialized(initStatuses, initNames)) {
    // A failed init container with Never fails the pod; otherwise it is retried.
    const failedInit = initStatuses.some((s) => (s.state?.terminated?.exitCode ?? 0) !== 0 || (s.state?.waiting && s.lastState?.terminated && s.lastState.terminated.exitCode !== 0));
    return failedInit && restartPolicy === 'Never' ? 'Failed' : 'Pending';
  }
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const name of names) {
    const status = statuses.find((s) => s.name === name);
    if (!status?.state) {
      waiting++;
    } else if (status.state.running) {
      running++;
    } else if (status.state.terminated) {
      stopped++;
      if (status.state.terminated.exitCode === 0) succeeded++;
    } else if (status.lastState?.terminated) {
      // Waiting to restart (CrashLoopBackOff): it has run before.
      stopped++;
      if (status.lastState.terminated.exitCode === 0) succeeded++;
    } else {
      waiting++;
    }
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

/** The conditions the kubelet owns (PodScheduled is the scheduler's), keeping transition times. */
export function podConditions(
  phase: PodPhase,
  initNames: readonly string[],
  initStatuses: readonly ContainerStatusJson[],
  names: readonly string[],
  statuses: readonly ContainerStatusJson[],
  previous: readonly PodConditionJson[],
  now: Date,
): PodConditionJson[] {
  const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z');
  const make = (type: string, ok: boolean, reason?: string, message?: string): PodConditionJson => {
    const status = ok ? 'True' : 'False';
    const before = previous.find((c) => c.type === type);
    return {
      type, status,
      lastProbeTime: null,
      lastTransitionTime: before?.status === status && before.lastTransitionTime ? before.lastTransitionTime : stamp,
      ...(reason ? { reason } : {}),
      ...(message ? { message } : {}),
    };
  };
  const incompleteInit = initNames.filter((name) => initStatuses.find((s) => s.name === name)?.state?.terminated?.exitCode !== 0);
  const unready = names.filter((name) => statuses.find((s) => s.name === name)?.ready !== true);
  const completed = phase === 'Succeeded' || phase === 'Failed';
  const initializedNow = incompleteInit.length === 0 || (completed && phase === 'Succeeded');
  const conditions = [
    initializedNow ? make('Initialized', true) : make('Initialized', false, 'ContainersNotInitialized', `containers with incomplete status: [${incompleteInit.join(' ')}]`),
  ];
  if (completed) {
    conditions.push(make('Ready', false, 'PodCompleted'), make('ContainersReady', false, 'PodCompleted'));
  } else if (unready.length > 0) {
    const message = `containers with unready status: [${unready.join(' ')}]`;
    conditions.push(make('Ready', false, 'ContainersNotReady', message), make('ContainersReady', false, 'ContainersNotReady', message));
  } else {
    conditions.push(make('Ready', true), make('ContainersReady', true));
  }
  return conditions;
}
