/**
 * The TTL-after-finished controller: a Job that finished (Complete or Failed) and has
 * `ttlSecondsAfterFinished` is deleted that many seconds after it finished, in the foreground as
 * upstream's, so its pods go first (through the garbage collector).
 */
import { metaOf, type Obj } from '../api/object-meta.js';
import { StatusError } from '../api/status-error.js';
import { AS_CONTROLLER, resource, type Controller, type ControllerContext } from './context.js';
import { WorkQueue, type SyncResult } from './work-queue.js';

export class TtlAfterFinishedController implements Controller {
  readonly #queue: WorkQueue;
  #unsubscribe: (() => void) | undefined;
  readonly #now: () => Date;

  constructor(private readonly context: ControllerContext, options: { now?: () => Date } = {}) {
    this.#queue = new WorkQueue('ttl-after-finished', (key) => this.sync(key), context.log, context.api.store);
    this.#now = options.now ?? (() => new Date());
  }

  start(): void {
    this.#unsubscribe = this.context.api.store.subscribe('batch/jobs', (change) => this.#queue.add(`${change.key.namespace}/${change.key.name}`));
    for (const job of this.context.api.list(resource('jobs', 'batch'), '').items) this.#queue.add(`${metaOf(job).namespace ?? ''}/${metaOf(job).name ?? ''}`);
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#queue.stop();
  }

  /** Deletes the Job (`namespace/name`) when its time has come; else asks to look again then. */
  sync(key: string): SyncResult {
    const [namespace = '', name = ''] = key.split('/');
    const jobs = resource('jobs', 'batch');
    const job = this.context.api.find(jobs, namespace, name);
    if (!job || metaOf(job).deletionTimestamp !== undefined) return;
    const ttl = (job['spec'] as { ttlSecondsAfterFinished?: number } | undefined)?.ttlSecondsAfterFinished;
    const finishedAt = finishTime(job);
    if (typeof ttl !== 'number' || finishedAt === undefined) return;
    const remaining = finishedAt + ttl * 1000 - this.#now().getTime();
    if (remaining > 0) return { requeueAfterMs: remaining };
    try {
      this.context.api.delete(jobs, namespace, name, { propagationPolicy: 'Foreground', preconditions: { uid: metaOf(job).uid ?? '' } }, AS_CONTROLLER);
    } catch (error) {
      if (!(error instanceof StatusError && (error.code === 404 || error.code === 409))) throw error;
    }
  }
}

/** When a Job finished: its Complete or Failed condition's transition, in ms. */
export function finishTime(job: Obj): number | undefined {
  const conditions = (job['status'] as { conditions?: { type: string; status: string; lastTransitionTime?: string }[] } | undefined)?.conditions ?? [];
  const finished = conditions.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
  return finished?.lastTransitionTime === undefined ? undefined : Date.parse(finished.lastTransitionTime);
}
