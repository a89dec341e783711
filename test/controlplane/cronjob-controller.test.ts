/**
 * The CronJob controller on a clock the test drives, as kube-controller-manager's: a Job per
 * scheduled time (in the CronJob's time zone), named after the minute, owned by the CronJob and
 * annotated with the scheduled time; the concurrency policies; startingDeadlineSeconds; suspend;
 * the active list, last schedule and last success; and the history limits.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { metaOf, type Obj } from '../../src/controlplane/api/object-meta.js';
import { CronJobController } from '../../src/controlplane/controllers/cronjob.js';
import { ADMIN, resourceOf, startBatchHarness, type BatchHarness } from '../support/batch-harness.js';

const MINUTE = 60_000;
const START = '2026-01-01T00:00:00Z';
let h: BatchHarness;
let controller: CronJobController;
beforeEach(() => {
  h = startBatchHarness(START);
  controller = new CronJobController(h.context, { now: () => h.now() });
});
afterEach(() => h.close());

const cronJobs = () => resourceOf('cronjobs', 'batch');
const jobs = () => resourceOf('jobs', 'batch');

function createCronJob(name: string, spec: Record<string, unknown>): void {
  h.api.create(cronJobs(), 'default', {
    apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name },
    spec: {
      timeZone: 'UTC', ...spec,
      jobTemplate: { metadata: { labels: { task: name } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } } } },
    },
  }, ADMIN);
}

const sync = (name: string) => controller.sync(`default/${name}`);
const jobNames = (): string[] => h.api.list(jobs(), 'default').items.filter((j) => metaOf(j).deletionTimestamp === undefined).map((j) => metaOf(j).name ?? '').sort();
const statusOf = (name: string) => (h.api.get(cronJobs(), 'default', name)['status'] ?? {}) as { active?: { name: string; kind: string; uid: string }[]; lastScheduleTime?: string; lastSuccessfulTime?: string };
const minuteOf = (iso: string): number => Date.parse(iso) / MINUTE;

function finish(name: string, type: 'Complete' | 'Failed'): void {
  const at = h.now().toISOString().replace(/\.\d+Z$/, 'Z');
  h.api.mutate(jobs(), 'default', name, (job: Obj) => ({
    ...job,
    status: { startTime: at, ...(type === 'Complete' ? { completionTime: at, succeeded: 1 } : { failed: 1 }), conditions: [{ type, status: 'True', lastTransitionTime: at }] },
  }), ADMIN, 'status');
}

describe('cronjob controller', () => {
  test('cronjob controller creates a Job at each scheduled time, named after its minute, owned and annotated', () => {
    createCronJob('tick', { schedule: '*/5 * * * *' });
    assert.deepEqual(sync('tick'), { requeueAfterMs: 5 * MINUTE + 100 }, 'it waits for 00:05');
    assert.deepEqual(jobNames(), []);
    h.advance(5 * MINUTE);
    sync('tick');
    const name = `tick-${minuteOf('2026-01-01T00:05:00Z')}`;
    assert.deepEqual(jobNames(), [name]);
    const job = h.api.get(jobs(), 'default', name);
    const meta = metaOf(job);
    assert.equal(meta.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2026-01-01T00:05:00Z');
    assert.equal(meta.labels?.['task'], 'tick');
    assert.deepEqual(meta.ownerReferences?.map((r) => [r.kind, r.name, r.controller, r.blockOwnerDeletion]), [['CronJob', 'tick', true, true]]);
    const status = statusOf('tick');
    assert.equal(status.lastScheduleTime, '2026-01-01T00:05:00Z');
    assert.deepEqual(status.active?.map((r) => [r.kind, r.name, r.uid]), [['Job', name, meta.uid]]);
    sync('tick');
    assert.deepEqual(jobNames(), [name], 'one Job per scheduled time');
  });

  test('cronjob controller runs the schedule in spec.timeZone', () => {
    createCronJob('tokyo', { schedule: '0 9 * * *', timeZone: 'Asia/Tokyo' });
    assert.deepEqual(sync('tokyo'), { requeueAfterMs: 24 * 60 * MINUTE + 100 }, '09:00 in Tokyo is 00:00 UTC, and 00:00 has just passed');
    h.advance(24 * 60 * MINUTE);
    sync('tokyo');
    const [name] = jobNames();
    assert.equal(name, `tokyo-${minuteOf('2026-01-02T00:00:00Z')}`);
    assert.equal(metaOf(h.api.get(jobs(), 'default', name)).annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2026-01-02T09:00:00+09:00');
  });

  test('cronjob controller applies the concurrency policies: Allow runs both, Forbid skips, Replace replaces', () => {
    for (const policy of ['Allow', 'Forbid', 'Replace']) createCronJob(policy.toLowerCase(), { schedule: '* * * * *', concurrencyPolicy: policy });
    h.advance(MINUTE);
    for (const policy of ['allow', 'forbid', 'replace']) sync(policy);
    h.advance(MINUTE);
    for (const policy of ['allow', 'forbid', 'replace']) sync(policy);
    const [first, second] = [minuteOf('2026-01-01T00:01:00Z'), minuteOf('2026-01-01T00:02:00Z')];
    assert.deepEqual(jobNames(), [`allow-${first}`, `allow-${second}`, `forbid-${first}`, `replace-${second}`]);
    assert.deepEqual(statusOf('forbid').active?.map((r) => r.name), [`forbid-${first}`]);
    assert.deepEqual(statusOf('replace').active?.map((r) => r.name), [`replace-${second}`]);
    assert.equal(statusOf('forbid').lastScheduleTime, '2026-01-01T00:01:00Z', 'a skipped time is not a scheduled one');
  });

  test('cronjob controller takes finished Jobs off the active list and keeps the history limits', () => {
    createCronJob('history', { schedule: '* * * * *', successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 });
    const names: string[] = [];
    for (const outcome of ['Complete', 'Complete', 'Failed', 'Failed'] as const) {
      h.advance(MINUTE);
      sync('history');
      const name = `history-${h.now().getTime() / MINUTE}`;
      names.push(name);
      finish(name, outcome);
    }
    sync('history');
    assert.deepEqual(jobNames(), [names[1], names[3]], 'the newest of each kind stays');
    const status = statusOf('history');
    assert.equal(status.active, undefined);
    assert.equal(status.lastSuccessfulTime, '2026-01-01T00:02:00Z');
  });

  test('cronjob controller skips a time missed by more than startingDeadlineSeconds, and a suspended one runs nothing', () => {
    createCronJob('late', { schedule: '0 * * * *', startingDeadlineSeconds: 60 });
    createCronJob('paused', { schedule: '* * * * *', suspend: true });
    h.advance(60 * MINUTE + 2 * MINUTE);
    sync('late');
    sync('paused');
    assert.deepEqual(jobNames(), [], '01:00 was missed by 2 minutes, beyond the 60 s deadline');
    h.api.patch(cronJobs(), 'default', 'paused', 'application/merge-patch+json', { spec: { suspend: false } }, ADMIN);
    sync('paused');
    assert.deepEqual(jobNames(), [`paused-${minuteOf('2026-01-01T01:02:00Z')}`], 'resumed, it runs the most recent time only');
  });
});
