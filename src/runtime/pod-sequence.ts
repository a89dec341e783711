/**
 * The kubelet's order for a pod's containers, shared by `hostpod run` (runtime/pod.ts) and the
 * node agent's pod workers: the init containers one at a time, each to success, then every
 * container together; an ended container starts again only as the restart policy says.
 */
export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

/** Where one container of the pod is. */
export interface ContainerProgress {
  name: string;
  init: boolean;
  /** running: it runs (or is being stopped); else its last instance's exit code, or none yet. */
  state: 'none' | 'running' | { exitCode: number };
}

export interface PodStep {
  /** The containers to start now (one init container, or the containers that are due). */
  start: string[];
  /** An init container failed and the policy (Never) does not run it again: the pod has failed. */
  initFailed?: string;
  /** An init container still runs: nothing else starts until it ends. */
  initRunning?: string;
}

export function shouldRestart(policy: RestartPolicy, exitCode: number): boolean {
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

export function nextPodStep(policy: RestartPolicy, containers: readonly ContainerProgress[]): PodStep {
  for (const init of containers.filter((c) => c.init)) {
    if (init.state === 'running') return { start: [], initRunning: init.name };
    if (init.state === 'none') return { start: [init.name] };
    if (init.state.exitCode === 0) continue;
    // A failed init container runs again under Always and OnFailure, as the kubelet does.
    if (policy === 'Never') return { start: [], initFailed: init.name };
    return { start: [init.name] };
  }
  const start: string[] = [];
  for (const c of containers) {
    if (c.init || c.state === 'running') continue;
    if (c.state === 'none' || shouldRestart(policy, c.state.exitCode)) start.push(c.name);
  }
  return { start };
}
