/**
 * The CronJob controller, as kube-controller-manager's: at each scheduled time (in spec.timeZone,
 * else the controller's zone) a Job from the template, named `<cronjob>-<minutes since the epoch
 * of the scheduled time>`, owned by the CronJob and annotated with its scheduled time; times
 * missed by more than startingDeadlineSeconds are skipped; Forbid skips a time while a Job runs,
 * Replace deletes the running ones; finished Jobs beyond the history limits are deleted; the
 * status lists the active Jobs and the last scheduled and successful times.
 */
import { metaOf, type Obj } from '../api/object-meta.js';
import { StatusError } from '../api/status-error.js';
import { semanticEqual } from '../../api/defaults/index.js';
import { formatTimestamp } from '../api/names.js';
import { formatInZone, localTimeZone, parseSchedule, ScheduleError, unknownTimeZone, type Schedule } from '../cron/index.js';
import { AS_CONTROLLER, resource, type Controller, type ControllerContext } from './context.js';
import { recordEvent } from './events.js';
import { WorkQueue, type SyncResult } from './work-queue.js';

const COMPONENT = 'cronjob-controller';
export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** Beyond this many missed times the controller says so, as upstream's. */
const MISSED_LIMIT = 100;

interface CronJobSpec { schedule?: string; timeZone?: string; startingDeadlineSeconds?: number; concurrencyPolicy?: string; suspend?: boolean; successfulJobsHistoryLimit?: number; failedJobsHistoryLimit?: number; jobTemplate?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: Obj } }
interface ActiveRef { kind?: string; namespace?: string; name?: string; uid?: string; apiVersion?: string; resourceVersion?: string }
interface CronJobStatus { active?: ActiveRef[]; lastScheduleTime?: string; lastSuccessfulTime?: string }

export interface CronJobControllerOptions {
  /** The controller's clock (tests drive it). */
  now?: () => Date;
}

export class CronJobController implements Controller {
  readonly #queue: WorkQueue;
  readonly #unsubscribe: (() => void)[] = [];
  readonly #now: () => Date;

  constructor(private readonly context: ControllerContext, options: CronJobControllerOptions = {}) {
    this.#queue = new WorkQueue('cronjob', (key) => this.sync(key), context.log, context.api.store);
    this.#now = options.now ?? (() => new Date());
  }

  start(): void {
    const { store } = this.context.api;
    this.#unsubscribe.push(store.subscribe('batch/cronjobs', (change) => this.#queue.add(`${change.key.namespace}/${change.key.name}`)));
    this.#unsubscribe.push(store.subscribe('batch/jobs', (change) => {
      for (const job of [change.object, change.previous]) {
        const owner = job ? cronJobOwner(job) : undefined;
        if (owner) this.#queue.add(`${change.key.namespace}/${owner.name}`);
      }
    }));
    for (const cronJob of this.context.api.list(resource('cronjobs', 'batch'), '').items) this.#queue.add(`${metaOf(cronJob).namespace ?? ''}/${metaOf(cronJob).name ?? ''}`);
  }

  stop(): void {
    for (const u of this.#unsubscribe) u();
    this.#queue.stop();
  }

  /** Reconciles one CronJob (`namespace/name`); what the work queue calls, and tests. */
  sync(key: string): SyncResult {
    const [namespace = '', name = ''] = key.split('/');
    const { api } = this.context;
    const cronJobs = resource('cronjobs', 'batch');
    const jobsResource = resource('jobs', 'batch');
    const cronJob = api.find(cronJobs, namespace, name);
    if (!cronJob || metaOf(cronJob).deletionTimestamp !== undefined) return;
    const uid = metaOf(cronJob).uid;
    const spec = (cronJob['spec'] ?? {}) as CronJobSpec;
    const old = (cronJob['status'] ?? {}) as CronJobStatus;
    const now = this.#now();
    const jobs = api.list(jobsResource, namespace, uid ? { referencing: uid } : {}).items.filter((j) => cronJobOwner(j)?.uid === uid);

    // The active list: Jobs that are gone or finished leave it.
    let active = [...(old.active ?? [])];
    let lastSuccessfulTime = old.lastSuccessfulTime;
    for (const ref of old.active ?? []) {
      const job = jobs.find((j) => metaOf(j).uid === ref.uid);
      if (!job) {
        active = active.filter((r) => r.uid !== ref.uid);
        recordEvent(api, cronJob, { type: 'Normal', reason: 'MissingJob', message: `Active job went missing: ${ref.name ?? ''}`, component: COMPONENT });
        continue;
      }
      const finished = finishedCondition(job);
      if (finished) {
        active = active.filter((r) => r.uid !== ref.uid);
        recordEvent(api, cronJob, { type: 'Normal', reason: 'SawCompletedJob', message: `Saw completed job: ${metaOf(job).name ?? ''}, condition: ${finished.type}`, component: COMPONENT });
        if (finished.type === 'Complete') {
          const completion = (job['status'] as { completionTime?: string } | undefined)?.completionTime ?? finished.lastTransitionTime;
          if (completion !== undefined && (lastSuccessfulTime === undefined || Date.parse(completion) > Date.parse(lastSuccessfulTime))) lastSuccessfulTime = completion;
        }
      }
    }
    for (const job of jobs) {
      if (!finishedCondition(job) && metaOf(job).deletionTimestamp === undefined && !active.some((r) => r.uid === metaOf(job).uid)) {
        recordEvent(api, cronJob, { type: 'Warning', reason: 'UnexpectedJob', message: `Saw a job that the controller did not create or forgot: ${metaOf(job).name ?? ''}`, component: COMPONENT });
      }
    }
    this.#cleanUpHistory(cronJob, spec, jobs);

    const status: CronJobStatus = { ...old, active };
    if (lastSuccessfulTime !== undefined) status.lastSuccessfulTime = lastSuccessfulTime;
    const write = (): void => this.#writeStatus(cronJob, status);
    if (spec.suspend === true) {
      write();
      return;
    }
    const zone = spec.timeZone ?? localTimeZone();
    if (spec.timeZone !== undefined && unknownTimeZone(spec.timeZone) !== undefined) {
      recordEvent(api, cronJob, { type: 'Warning', reason: 'UnknownTimeZone', message: `invalid timeZone: ${JSON.stringify(spec.timeZone)}: ${unknownTimeZone(spec.timeZone) ?? ''}`, component: COMPONENT });
      write();
      return;
    }
    let schedule: Schedule;
    try {
      schedule = parseSchedule(spec.schedule ?? '');
    } catch (error) {
      if (!(error instanceof ScheduleError)) throw error;
      recordEvent(api, cronJob, { type: 'Warning', reason: 'InvalidSchedule', message: `invalid schedule: ${spec.schedule ?? ''} : ${error.message}`, component: COMPONENT });
      write();
      return;
    }
    const requeue = (): SyncResult => {
      const next = schedule.next(now.getTime(), zone);
      return next === undefined ? undefined : { requeueAfterMs: next - now.getTime() + 100 };
    };

    const scheduled = this.#mostRecentTime(cronJob, spec, schedule, zone, now);
    if (scheduled === undefined) {
      write();
      return requeue();
    }
    if (spec.startingDeadlineSeconds !== undefined && scheduled + spec.startingDeadlineSeconds * 1000 < now.getTime()) {
      recordEvent(api, cronJob, { type: 'Warning', reason: 'MissSchedule', message: `Missed scheduled time to start a job: ${formatInZone(scheduled, zone)}`, component: COMPONENT });
      write();
      return requeue();
    }
    const jobName = `${name}-${Math.floor(scheduled / 60_000)}`;
    if (jobs.some((j) => metaOf(j).name === jobName)) {
      write();
      return requeue();
    }
    if (spec.concurrencyPolicy === 'Forbid' && active.length > 0) {
      recordEvent(api, cronJob, { type: 'Normal', reason: 'JobAlreadyActive', message: 'Not starting job because prior execution is running and concurrency policy is Forbid', component: COMPONENT });
      write();
      return requeue();
    }
    if (spec.concurrencyPolicy === 'Replace') {
      for (const ref of active) {
        this.#deleteJob(cronJob, ref.name ?? '');
      }
      status.active = active = [];
    }
    const created = this.#createJob(cronJob, spec, jobName, scheduled, zone);
    if (created) {
      const meta = metaOf(created);
      status.active = [...active, { kind: 'Job', namespace: meta.namespace ?? '', name: meta.name ?? '', uid: meta.uid ?? '', apiVersion: 'batch/v1', resourceVersion: meta.resourceVersion ?? '' }];
      status.lastScheduleTime = formatTimestamp(new Date(scheduled));
    }
    write();
    return requeue();
  }

  /**
   * The latest scheduled time not after `now` since the last one (or the CronJob's creation, or
   * the starting deadline if later), or undefined when none has come.
   */
  #mostRecentTime(cronJob: Obj, spec: CronJobSpec, schedule: Schedule, zone: string, now: Date): number | undefined {
    const status = (cronJob['status'] ?? {}) as CronJobStatus;
    let earliest = Date.parse(status.lastScheduleTime ?? metaOf(cronJob).creationTimestamp ?? now.toISOString());
    if (spec.startingDeadlineSeconds !== undefined) earliest = Math.max(earliest, now.getTime() - spec.startingDeadlineSeconds * 1000);
    let recent: number | undefined;
    let missed = 0;
    for (let t = schedule.next(earliest, zone); t !== undefined && t <= now.getTime(); t = schedule.next(t, zone)) {
      recent = t;
      if (++missed > MISSED_LIMIT) {
        recordEvent(this.context.api, cronJob, { type: 'Warning', reason: 'TooManyMissedTimes', message: 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew', component: COMPONENT });
        return lastBefore(schedule, zone, now.getTime());
      }
    }
    return recent;
  }

  #createJob(cronJob: Obj, spec: CronJobSpec, name: string, scheduled: number, zone: string): Obj | undefined {
    const { api } = this.context;
    const meta = metaOf(cronJob);
    const template = spec.jobTemplate ?? {};
    const job = {
      apiVersion: 'batch/v1', kind: 'Job',
      metadata: {
        name, namespace: meta.namespace,
        ...(template.metadata?.labels ? { labels: template.metadata.labels } : {}),
        annotations: { ...(template.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: formatInZone(scheduled, zone) },
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: meta.name, uid: meta.uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: template.spec ?? {},
    };
    try {
      const created = api.create(resource('jobs', 'batch'), meta.namespace ?? '', job, AS_CONTROLLER).object;
      recordEvent(api, cronJob, { type: 'Normal', reason: 'SuccessfulCreate', message: `Created job ${name}`, component: COMPONENT });
      return created;
    } catch (error) {
      if (!(error instanceof StatusError)) throw error;
      if (error.code === 409) return undefined;
      recordEvent(api, cronJob, { type: 'Warning', reason: 'FailedCreate', message: `Error creating job: ${error.message}`, component: COMPONENT });
      return undefined;
    }
  }

  /** Deletes the oldest finished Jobs beyond successfulJobsHistoryLimit and failedJobsHistoryLimit. */
  #cleanUpHistory(cronJob: Obj, spec: CronJobSpec, jobs: Obj[]): void {
    const byStart = (a: Obj, b: Obj): number => startOf(a) - startOf(b);
    for (const [type, limit] of [['Complete', spec.successfulJobsHistoryLimit], ['Failed', spec.failedJobsHistoryLimit]] as const) {
      if (limit === undefined) continue;
      const finished = jobs.filter((j) => finishedCondition(j)?.type === type && metaOf(j).deletionTimestamp === undefined).sort(byStart);
      for (const job of finished.slice(0, Math.max(finished.length - limit, 0))) this.#deleteJob(cronJob, metaOf(job).name ?? '');
    }
  }

  #deleteJob(cronJob: Obj, name: string): void {
    const { api } = this.context;
    try {
      api.delete(resource('jobs', 'batch'), metaOf(cronJob).namespace ?? '', name, { propagationPolicy: 'Background' }, AS_CONTROLLER);
      recordEvent(api, cronJob, { type: 'Normal', reason: 'SuccessfulDelete', message: `Deleted job ${name}`, component: COMPONENT });
    } catch (error) {
      if (!(error instanceof StatusError && error.code === 404)) throw error;
    }
  }

  #writeStatus(cronJob: Obj, status: CronJobStatus): void {
    const clean: CronJobStatus = {
      ...(status.active && status.active.length > 0 ? { active: status.active } : {}),
      ...(status.lastScheduleTime === undefined ? {} : { lastScheduleTime: status.lastScheduleTime }),
      ...(status.lastSuccessfulTime === undefined ? {} : { lastSuccessfulTime: status.lastSuccessfulTime }),
    };
    if (semanticEqual(cronJob['status'] ?? {}, clean)) return;
    const meta = metaOf(cronJob);
    this.context.api.mutate(resource('cronjobs', 'batch'), meta.namespace ?? '', meta.name ?? '', (current) => (metaOf(current).uid === meta.uid ? { ...current, status: clean } : undefined), AS_CONTROLLER, 'status');
  }
}

/** The last scheduled time not after `now`, found in a window that doubles back from now (no walk through every missed time). */
function lastBefore(schedule: Schedule, zone: string, now: number): number | undefined {
  for (let window = 3_600_000; window <= 6 * 366 * 86_400_000; window *= 2) {
    let last: number | undefined;
    for (let t = schedule.next(now - window, zone); t !== undefined && t <= now; t = schedule.next(t, zone)) last = t;
    if (last !== undefined) return last;
  }
  return undefined;
}

function cronJobOwner(job: Obj): { name: string; uid: string } | undefined {
  const ref = metaOf(job).ownerReferences?.find((r) => r.controller && r.kind === 'CronJob' && r.apiVersion === 'batch/v1');
  return ref ? { name: ref.name, uid: ref.uid } : undefined;
}

function finishedCondition(job: Obj): { type: string; lastTransitionTime?: string } | undefined {
  const conditions = (job['status'] as { conditions?: { type: string; status: string; lastTransitionTime?: string }[] } | undefined)?.conditions ?? [];
  return conditions.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

function startOf(job: Obj): number {
  const start = (job['status'] as { startTime?: string } | undefined)?.startTime ?? metaOf(job).creationTimestamp;
  return start === undefined ? 0 : Date.parse(start);
}
