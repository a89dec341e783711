/**
 * The Job controller, as kube-controller-manager's: pods up to `parallelism` until `completions`
 * succeed (in Indexed mode, one per index), each carrying the job-tracking finalizer until its
 * end is counted in the status; failures replaced after a back-off (10 s doubling, at most
 * 6 min); `backoffLimit`, `activeDeadlineSeconds` and the pod failure policy's FailJob rules set
 * FailureTarget, then Failed once no pod runs; success sets SuccessCriteriaMet, then Complete
 * with the completion time; `suspend` deletes the running pods and resumes later.
 */
import { metaOf, type Obj } from '../api/object-meta.js';
import { StatusError } from '../api/status-error.js';
import { semanticEqual } from '../../api/defaults/index.js';
import { formatTimestamp } from '../api/names.js';
import { AS_CONTROLLER, resource, type Controller, type ControllerContext } from './context.js';
import { recordEvent } from './events.js';
import { createControlledPod } from './pod-control.js';
import { WorkQueue, type SyncResult } from './work-queue.js';
import { matchFailurePolicy, type PolicyMatch } from './job-failure-policy.js';
import { formatIndexes, parseIndexes } from './job-indexes.js';

const COMPONENT = 'job-controller';
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';

export interface JobControllerOptions {
  /** The controller's clock (tests drive it). */
  now?: () => Date;
  /** The first back-off before a failed pod is replaced (10 s, as upstream's DefaultJobPodFailureBackOff). */
  backoffBaseMs?: number;
}

interface Condition { type: string; status: string; reason?: string; message?: string; lastProbeTime?: string | null; lastTransitionTime?: string }
interface JobSpec { parallelism?: number; completions?: number | null; backoffLimit?: number; activeDeadlineSeconds?: number; suspend?: boolean; completionMode?: string; podReplacementPolicy?: string; template?: Obj; podFailurePolicy?: unknown }
interface JobStatus { startTime?: string; completionTime?: string; active?: number; succeeded?: number; failed?: number; ready?: number; terminating?: number; conditions?: Condition[]; uncountedTerminatedPods?: { succeeded?: string[]; failed?: string[] }; completedIndexes?: string }
interface PodStatus { phase?: string; conditions?: { type: string; status: string }[] }

const MAX_BACKOFF_MS = 360_000;
/** The work queue's key for a pod without a Job that still holds the finalizer. */
const ORPHAN = 'orphan:';

/** A job's failures since its last success, for the back-off of their replacements (in memory, as upstream's). */
interface Backoff { failures: number; last: number }

export class JobController implements Controller {
  readonly #queue: WorkQueue;
  readonly #unsubscribe: (() => void)[] = [];
  readonly #backoff = new Map<string, Backoff>();
  readonly #now: () => Date;
  readonly #backoffBaseMs: number;

  constructor(private readonly context: ControllerContext, options: JobControllerOptions = {}) {
    this.#queue = new WorkQueue('job', (key) => this.sync(key), context.log, context.api.store);
    this.#now = options.now ?? (() => new Date());
    this.#backoffBaseMs = options.backoffBaseMs ?? 10_000;
  }

  start(): void {
    const { store } = this.context.api;
    this.#unsubscribe.push(store.subscribe('batch/jobs', (change) => this.#queue.add(`${change.key.namespace}/${change.key.name}`)));
    this.#unsubscribe.push(store.subscribe('pods', (change) => {
      for (const pod of [change.object, change.previous]) {
        const owner = pod ? jobOwner(pod) : undefined;
        if (owner) this.#queue.add(`${change.key.namespace}/${owner.name}`);
      }
      // A pod orphaned (its Job deleted with --cascade=orphan) keeps the finalizer no Job will count.
      if (change.object && !jobOwner(change.object) && hasFinalizer(change.object)) this.#queue.add(`${ORPHAN}${change.key.namespace}/${change.key.name}`);
    }));
    for (const job of this.context.api.list(resource('jobs', 'batch'), '').items) this.#queue.add(`${metaOf(job).namespace ?? ''}/${metaOf(job).name ?? ''}`);
  }

  stop(): void {
    for (const u of this.#unsubscribe) u();
    this.#queue.stop();
  }

  /** Reconciles one Job (`namespace/name`); what the work queue calls, and tests. */
  sync(key: string): SyncResult {
    const { api } = this.context;
    if (key.startsWith(ORPHAN)) {
      const [namespace = '', name = ''] = key.slice(ORPHAN.length).split('/');
      const pod = api.find(resource('pods'), namespace, name);
      if (pod && !jobOwner(pod)) this.#releasePod(pod);
      return;
    }
    const [namespace = '', name = ''] = key.split('/');
    const job = api.find(resource('jobs', 'batch'), namespace, name);
    const candidates = api.list(resource('pods'), namespace).items.filter((p) => jobOwner(p)?.name === name);
    const uid = job ? metaOf(job).uid : undefined;
    // Pods of a Job that is gone (or of an earlier Job of that name) are counted by no one: let them go.
    for (const pod of candidates) if (jobOwner(pod)?.uid !== uid) this.#releasePod(pod);
    if (!job) {
      this.#backoff.delete(key);
      return;
    }
    const pods = candidates.filter((p) => jobOwner(p)?.uid === uid);
    if (metaOf(job).deletionTimestamp !== undefined) {
      for (const pod of pods) this.#releasePod(pod);
      return;
    }
    const spec = (job['spec'] ?? {}) as JobSpec;
    const old = (job['status'] ?? {}) as JobStatus;
    const now = this.#now();
    const stamp = formatTimestamp(now);
    let conditions = [...(old.conditions ?? [])];
    const has = (type: string): boolean => conditions.some((c) => c.type === type && c.status === 'True');
    const setCondition = (type: string, status: string, reason: string, message: string): void => {
      const existing = conditions.find((c) => c.type === type);
      if (existing && existing.status === status) return;
      const condition = { type, status, lastProbeTime: stamp, lastTransitionTime: stamp, reason, message };
      conditions = existing ? conditions.map((c) => (c.type === type ? condition : c)) : [...conditions, condition];
    };
    if (has('Complete') || has('Failed')) {
      for (const pod of pods) this.#releasePod(pod);
      return;
    }

    const indexed = spec.completionMode === 'Indexed';
    const completions = typeof spec.completions === 'number' ? spec.completions : undefined;
    const finishing = has('FailureTarget') || has('SuccessCriteriaMet');
    const suspended = spec.suspend === true;

    // Count the pods that ended and still hold the finalizer: first recorded as uncounted, then
    // the finalizers removed, then the counts moved, so that a crash between counts none twice.
    const uncounted = { succeeded: [...(old.uncountedTerminatedPods?.succeeded ?? [])], failed: [...(old.uncountedTerminatedPods?.failed ?? [])] };
    const seen = new Set([...uncounted.succeeded, ...uncounted.failed]);
    let policyMatch: PolicyMatch | undefined;
    const completed = parseIndexes(old.completedIndexes ?? '');
    let newFailures = 0;
    for (const pod of pods) {
      const podUid = metaOf(pod).uid ?? '';
      if (!hasFinalizer(pod) || seen.has(podUid)) continue;
      const phase = podPhase(pod);
      if (phase === 'Succeeded') {
        uncounted.succeeded.push(podUid);
        const index = completionIndex(pod);
        if (indexed && index !== undefined) completed.add(index);
      } else if (phase === 'Failed' || metaOf(pod).deletionTimestamp !== undefined) {
        // A pod deleted while it ran failed, unless the controller deleted it itself (finishing or suspended).
        if (phase !== 'Failed' && (finishing || suspended)) {
          this.#releasePod(pod);
          continue;
        }
        const match = phase === 'Failed' ? matchFailurePolicy(spec.podFailurePolicy, pod) : undefined;
        if (match?.action === 'Ignore') {
          this.#releasePod(pod);
          continue;
        }
        if (match?.action === 'FailJob' && !policyMatch) policyMatch = match;
        uncounted.failed.push(podUid);
        newFailures++;
      }
    }
    if (uncounted.succeeded.length + uncounted.failed.length > seen.size) {
      this.#writeStatus(job, { ...old, uncountedTerminatedPods: uncounted });
    }
    for (const pod of pods) if (seen.has(metaOf(pod).uid ?? '') || uncounted.succeeded.includes(metaOf(pod).uid ?? '') || uncounted.failed.includes(metaOf(pod).uid ?? '')) this.#releasePod(pod);
    const succeeded = (old.succeeded ?? 0) + uncounted.succeeded.length;
    const failed = (old.failed ?? 0) + uncounted.failed.length;
    if (newFailures > 0) {
      const backoff = this.#backoff.get(key) ?? { failures: 0, last: 0 };
      this.#backoff.set(key, { failures: backoff.failures + newFailures, last: now.getTime() });
    }
    if (uncounted.succeeded.length > 0) this.#backoff.delete(key);

    const live = pods.filter((p) => !isTerminal(p));
    const active = live.filter((p) => metaOf(p).deletionTimestamp === undefined);
    const terminating = live.length - active.length;
    let requeue: number | undefined;
    let startTime = old.startTime;

    // The Job fails or succeeds first as a target; its final condition waits for its pods to stop.
    if (!finishing) {
      const startedAt = startTime === undefined ? undefined : Date.parse(startTime);
      if (policyMatch) {
        setCondition('FailureTarget', 'True', 'PodFailurePolicy', policyMatch.message);
      } else if (failed > (spec.backoffLimit ?? 6)) {
        setCondition('FailureTarget', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
      } else if (!suspended && spec.activeDeadlineSeconds !== undefined && startedAt !== undefined && now.getTime() - startedAt >= spec.activeDeadlineSeconds * 1000) {
        setCondition('FailureTarget', 'True', 'DeadlineExceeded', 'Job was active longer than specified deadline');
      } else if (completions !== undefined ? (indexed ? completed.size : succeeded) >= completions : succeeded > 0 && active.length === 0) {
        setCondition('SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods');
      }
    }
    const failureTarget = conditions.find((c) => c.type === 'FailureTarget' && c.status === 'True');
    const successTarget = has('SuccessCriteriaMet');
    let completionTime = old.completionTime;
    if (failureTarget || successTarget) {
      for (const pod of active) this.#deletePod(job, pod);
      if (live.length === 0) {
        if (failureTarget) {
          setCondition('Failed', 'True', failureTarget.reason ?? '', failureTarget.message ?? '');
          recordEvent(api, job, { type: 'Warning', reason: failureTarget.reason ?? 'Failed', message: failureTarget.message ?? '', component: COMPONENT });
        } else {
          setCondition('Complete', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods');
          completionTime = stamp;
          recordEvent(api, job, { type: 'Normal', reason: 'Completed', message: 'Job completed', component: COMPONENT });
        }
      }
    } else if (suspended) {
      for (const pod of active) this.#deletePod(job, pod);
      if (!has('Suspended')) {
        setCondition('Suspended', 'True', 'JobSuspended', 'Job suspended');
        recordEvent(api, job, { type: 'Normal', reason: 'Suspended', message: 'Job suspended', component: COMPONENT });
      }
      startTime = undefined;
    } else {
      if (has('Suspended')) {
        setCondition('Suspended', 'False', 'JobResumed', 'Job resumed');
        recordEvent(api, job, { type: 'Normal', reason: 'Resumed', message: 'Job resumed', component: COMPONENT });
        startTime = undefined;
      }
      startTime ??= stamp;
      if (spec.activeDeadlineSeconds !== undefined) {
        requeue = Math.max(Date.parse(startTime) + spec.activeDeadlineSeconds * 1000 - now.getTime(), 0) + 1;
      }
      const delay = this.#backoffRemaining(key, now.getTime());
      const wanted = this.#wanted(spec, succeeded, completed, active);
      const busy = active.length + (spec.podReplacementPolicy === 'Failed' ? terminating : 0);
      if (wanted.count > busy) {
        if (delay > 0) requeue = Math.min(requeue ?? delay, delay);
        else for (const index of wanted.indexes.slice(0, wanted.count - busy)) this.#createPod(job, spec, index);
      } else if (active.length > wanted.count) {
        // Too many (parallelism lowered): the newest go first.
        const extra = [...active].sort((a, b) => (metaOf(b).creationTimestamp ?? '').localeCompare(metaOf(a).creationTimestamp ?? '')).slice(0, active.length - wanted.count);
        for (const pod of extra) this.#deletePod(job, pod);
      }
    }

    const current = api.list(resource('pods'), namespace).items.filter((p) => jobOwner(p)?.uid === uid && !isTerminal(p));
    const nowActive = current.filter((p) => metaOf(p).deletionTimestamp === undefined);
    const status: JobStatus = {
      ...(startTime === undefined ? {} : { startTime }),
      ...(completionTime === undefined ? {} : { completionTime }),
      ...(nowActive.length > 0 ? { active: nowActive.length } : {}),
      ...(succeeded > 0 ? { succeeded } : {}),
      ...(failed > 0 ? { failed } : {}),
      ...(indexed && completed.size > 0 ? { completedIndexes: formatIndexes(completed) } : {}),
      ready: nowActive.filter(isReady).length,
      terminating: current.length - nowActive.length,
      uncountedTerminatedPods: {},
      ...(conditions.length > 0 ? { conditions } : {}),
    };
    this.#writeStatus(job, status);
    return requeue === undefined ? undefined : { requeueAfterMs: requeue };
  }

  /** How many pods should run, and for which completion indexes (Indexed mode). */
  #wanted(spec: JobSpec, succeeded: number, completed: Set<number>, active: Obj[]): { count: number; indexes: (number | undefined)[] } {
    const parallelism = spec.parallelism ?? 1;
    if (spec.completionMode === 'Indexed') {
      const running = new Set(active.map(completionIndex));
      const pending: number[] = [];
      for (let i = 0; i < (spec.completions ?? 0) && pending.length < parallelism; i++) if (!completed.has(i) && !running.has(i)) pending.push(i);
      const count = Math.min(parallelism, (spec.completions ?? 0) - completed.size);
      return { count, indexes: [...Array(active.length).fill(undefined) as undefined[], ...pending] };
    }
    const count = typeof spec.completions === 'number' ? Math.max(Math.min(parallelism, spec.completions - succeeded), 0) : succeeded > 0 ? 0 : parallelism;
    return { count, indexes: Array(count).fill(undefined) as undefined[] };
  }

  #backoffRemaining(key: string, now: number): number {
    const backoff = this.#backoff.get(key);
    if (!backoff || backoff.failures === 0) return 0;
    const delay = Math.min(this.#backoffBaseMs * 2 ** (backoff.failures - 1), MAX_BACKOFF_MS);
    return Math.max(backoff.last + delay - now, 0);
  }

  #writeStatus(job: Obj, status: JobStatus): void {
    if (semanticEqual(job['status'] ?? {}, status)) return;
    const meta = metaOf(job);
    this.context.api.mutate(resource('jobs', 'batch'), meta.namespace ?? '', meta.name ?? '', (current) => (metaOf(current).uid === meta.uid ? { ...current, status } : undefined), AS_CONTROLLER, 'status');
  }

  #createPod(job: Obj, spec: JobSpec, index: number | undefined): void {
    const { api } = this.context;
    const meta = metaOf(job);
    const template = spec.template ?? {};
    const templateMeta = (template['metadata'] ?? {}) as { labels?: Record<string, string>; annotations?: Record<string, string> };
    let podSpec = { ...((template['spec'] ?? {}) as Obj) };
    const labels = { ...(templateMeta.labels ?? {}) };
    const annotations = { ...(templateMeta.annotations ?? {}) };
    if (index !== undefined) {
      labels[COMPLETION_INDEX_ANNOTATION] = String(index);
      annotations[COMPLETION_INDEX_ANNOTATION] = String(index);
      podSpec = withCompletionIndex(podSpec, `${meta.name ?? ''}-${index}`);
    }
    const pod = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        generateName: index === undefined ? `${meta.name ?? ''}-` : `${meta.name ?? ''}-${index}-`,
        namespace: meta.namespace,
        labels,
        ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: meta.name, uid: meta.uid, controller: true, blockOwnerDeletion: true }],
        finalizers: [JOB_TRACKING_FINALIZER],
      },
      spec: podSpec,
    };
    createControlledPod(api, job, pod, COMPONENT);
  }

  #deletePod(job: Obj, pod: Obj): void {
    const { api } = this.context;
    const name = metaOf(pod).name ?? '';
    try {
      api.delete(resource('pods'), metaOf(pod).namespace ?? '', name, {}, AS_CONTROLLER);
      recordEvent(api, job, { type: 'Normal', reason: 'SuccessfulDelete', message: `Deleted pod: ${name}`, component: COMPONENT });
    } catch (error) {
      if (!(error instanceof StatusError && error.code === 404)) throw error;
    }
  }

  /** Removes the job-tracking finalizer from a pod, if it has it. */
  #releasePod(pod: Obj): void {
    if (!hasFinalizer(pod)) return;
    const meta = metaOf(pod);
    try {
      this.context.api.mutate(resource('pods'), meta.namespace ?? '', meta.name ?? '', (current) => {
        const finalizers = metaOf(current).finalizers ?? [];
        if (metaOf(current).uid !== meta.uid || !finalizers.includes(JOB_TRACKING_FINALIZER)) return undefined;
        const metadata = { ...(current['metadata'] as Obj) };
        const rest = finalizers.filter((f) => f !== JOB_TRACKING_FINALIZER);
        // No finalizers left is none at all, as the API server stores them (not an empty list).
        if (rest.length > 0) metadata['finalizers'] = rest;
        else delete metadata['finalizers'];
        return { ...current, metadata };
      }, AS_CONTROLLER);
    } catch (error) {
      if (!(error instanceof StatusError && error.code === 404)) throw error;
    }
  }
}

/** The pod spec of an Indexed Job's pod: its hostname and JOB_COMPLETION_INDEX in every container. */
function withCompletionIndex(spec: Obj, hostname: string): Obj {
  const env = { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.labels['${COMPLETION_INDEX_ANNOTATION}']` } } };
  const addEnv = (containers: unknown): unknown => (Array.isArray(containers)
    ? containers.map((c: Obj) => ({ ...c, env: [...((c['env'] as Obj[] | undefined) ?? []).filter((e) => e['name'] !== env.name), env] }))
    : containers);
  return { ...spec, hostname: spec['hostname'] ?? hostname, containers: addEnv(spec['containers']), ...(spec['initContainers'] ? { initContainers: addEnv(spec['initContainers']) } : {}) };
}

function jobOwner(pod: Obj): { name: string; uid: string } | undefined {
  const ref = metaOf(pod).ownerReferences?.find((r) => r.controller && r.kind === 'Job' && r.apiVersion === 'batch/v1');
  return ref ? { name: ref.name, uid: ref.uid } : undefined;
}

function hasFinalizer(pod: Obj): boolean {
  return (metaOf(pod).finalizers ?? []).includes(JOB_TRACKING_FINALIZER);
}

function podPhase(pod: Obj): string | undefined {
  return (pod['status'] as PodStatus | undefined)?.phase;
}

function isTerminal(pod: Obj): boolean {
  const phase = podPhase(pod);
  return phase === 'Succeeded' || phase === 'Failed';
}

function isReady(pod: Obj): boolean {
  return ((pod['status'] as PodStatus | undefined)?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

function completionIndex(pod: Obj): number | undefined {
  const value = metaOf(pod).annotations?.[COMPLETION_INDEX_ANNOTATION];
  return value !== undefined && /^[0-9]+$/.test(value) ? Number(value) : undefined;
}
