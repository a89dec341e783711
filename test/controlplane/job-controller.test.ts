/**
 * The Job controller and the TTL-after-finished controller on a clock the test drives, as
 * kube-controller-manager's behave: pods up to parallelism until completions succeed, the
 * job-tracking finalizer until a pod's end is counted, failures replaced after 10 s doubling,
 * backoffLimit, activeDeadlineSeconds and the pod failure policy as FailureTarget then Failed,
 * success as SuccessCriteriaMet then Complete, suspend and resume, Indexed completions, and
 * deletion ttlSecondsAfterFinished after the end.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { metaOf, type Obj } from '../../src/controlplane/api/object-meta.js';
import { JOB_TRACKING_FINALIZER, JobController } from '../../src/controlplane/controllers/job.js';
import { TtlAfterFinishedController } from '../../src/controlplane/controllers/ttl-after-finished.js';
import { ADMIN, resourceOf, startBatchHarness, type BatchHarness } from '../support/batch-harness.js';

let h: BatchHarness;
let controller: JobController;
beforeEach(() => {
  h = startBatchHarness();
  controller = new JobController(h.context, { now: () => h.now() });
});
afterEach(() => h.close());

const jobs = () => resourceOf('jobs', 'batch');

function createJob(name: string, spec: Record<string, unknown> = {}, podSpec: Record<string, unknown> = {}): void {
  h.api.create(jobs(), 'default', {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name },
    spec: { ...spec, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }], ...podSpec } } },
  }, ADMIN);
}

interface Status { active?: number; succeeded?: number; failed?: number; ready?: number; terminating?: number; startTime?: string; completionTime?: string; completedIndexes?: string; conditions?: { type: string; status: string; reason: string; message: string }[] }
const statusOf = (name: string): Status => (h.api.get(jobs(), 'default', name)['status'] ?? {});
const conditionsOf = (name: string): [string, string, string][] => (statusOf(name).conditions ?? []).map((c) => [c.type, c.status, c.reason]);
const sync = (name: string) => controller.sync(`default/${name}`);
const pod = (of: Obj): Obj => h.api.get(resourceOf('pods'), 'default', metaOf(of).name ?? '');
const live = (name: string): Obj[] => h.podsOf(name).filter((p) => metaOf(p).deletionTimestamp === undefined);

describe('job controller', () => {
  test('job controller runs pods up to parallelism until completions succeed, then SuccessCriteriaMet and Complete', () => {
    createJob('work', { completions: 3, parallelism: 2 });
    sync('work');
    const [first, second] = h.podsOf('work');
    assert.equal(h.podsOf('work').length, 2);
    const meta = metaOf(first!);
    assert.deepEqual(meta.finalizers, [JOB_TRACKING_FINALIZER]);
    assert.match(meta.name ?? '', /^work-[a-z0-9]{5}$/);
    assert.deepEqual(meta.ownerReferences?.map((r) => [r.apiVersion, r.kind, r.name, r.controller, r.blockOwnerDeletion]), [['batch/v1', 'Job', 'work', true, true]]);
    assert.equal(meta.labels?.['batch.kubernetes.io/job-name'], 'work');
    assert.deepEqual({ ...statusOf('work'), startTime: undefined }, { active: 2, ready: 0, terminating: 0, uncountedTerminatedPods: {}, startTime: undefined });

    h.setPhase(first!, 'Running');
    sync('work');
    assert.equal(statusOf('work').ready, 1);
    h.setPhase(first!, 'Succeeded');
    sync('work');
    assert.deepEqual(metaOf(pod(first!)).finalizers ?? [], [], 'the finalizer goes once the success is counted');
    assert.equal(statusOf('work').succeeded, 1);
    assert.equal(live('work').filter((p) => (p['status'] as { phase?: string }).phase !== 'Succeeded').length, 2, 'a third pod replaces the one that ended');

    h.setPhase(second!, 'Succeeded');
    sync('work');
    assert.equal(statusOf('work').succeeded, 2);
    assert.equal(statusOf('work').active, 1, 'only one more completion is needed');
    h.setPhase(live('work').find((p) => metaOf(p).name !== metaOf(first!).name && metaOf(p).name !== metaOf(second!).name)!, 'Succeeded');
    sync('work');
    const status = statusOf('work');
    assert.deepEqual(conditionsOf('work'), [['SuccessCriteriaMet', 'True', 'CompletionsReached'], ['Complete', 'True', 'CompletionsReached']]);
    assert.equal(status.conditions?.[1]?.message, 'Reached expected number of succeeded pods');
    assert.equal(status.succeeded, 3);
    assert.equal(status.active, undefined);
    assert.ok(status.completionTime);
    assert.equal(sync('work'), undefined, 'a finished Job is left alone');
  });

  test('job controller replaces failed pods after 10 s doubling, then fails with BackoffLimitExceeded', () => {
    createJob('flaky', { backoffLimit: 1 });
    sync('flaky');
    h.setPhase(h.podsOf('flaky')[0]!, 'Failed', 3);
    assert.deepEqual(sync('flaky'), { requeueAfterMs: 10_000 }, 'the replacement waits 10 s');
    assert.equal(live('flaky').filter((p) => (p['status'] as { phase?: string }).phase === undefined || (p['status'] as { phase?: string }).phase === 'Pending').length, 0);
    assert.equal(statusOf('flaky').failed, 1);
    h.advance(10_000);
    sync('flaky');
    assert.equal(h.podsOf('flaky').length, 2);
    h.setPhase(h.podsOf('flaky')[1]!, 'Failed', 3);
    sync('flaky');
    const status = statusOf('flaky');
    assert.deepEqual(conditionsOf('flaky'), [['FailureTarget', 'True', 'BackoffLimitExceeded'], ['Failed', 'True', 'BackoffLimitExceeded']]);
    assert.equal(status.conditions?.[1]?.message, 'Job has reached the specified backoff limit');
    assert.equal(status.failed, 2);
    assert.equal(status.completionTime, undefined, 'a failed Job has no completion time');
  });

  test('job controller doubles the back-off: 10 s, 20 s, 40 s', () => {
    createJob('retry', { backoffLimit: 6 });
    sync('retry');
    for (const delay of [10_000, 20_000, 40_000]) {
      const pods = h.podsOf('retry');
      h.setPhase(pods[pods.length - 1]!, 'Failed');
      assert.deepEqual(sync('retry'), { requeueAfterMs: delay });
      h.advance(delay);
      sync('retry');
    }
    assert.equal(statusOf('retry').failed, 3);
    assert.equal(statusOf('retry').active, 1);
  });

  test('job controller fails a Job active longer than activeDeadlineSeconds and deletes its pods', () => {
    createJob('slow', { activeDeadlineSeconds: 30 });
    assert.deepEqual(sync('slow'), { requeueAfterMs: 30_001 });
    h.setPhase(h.podsOf('slow')[0]!, 'Running');
    h.advance(30_000);
    sync('slow');
    assert.ok(metaOf(h.podsOf('slow')[0]!).deletionTimestamp, 'the running pod is deleted');
    assert.deepEqual(conditionsOf('slow'), [['FailureTarget', 'True', 'DeadlineExceeded']]);
    // The node confirms: the pod ends, and the Job fails once none runs.
    h.setPhase(h.podsOf('slow')[0]!, 'Failed');
    sync('slow');
    assert.deepEqual(conditionsOf('slow'), [['FailureTarget', 'True', 'DeadlineExceeded'], ['Failed', 'True', 'DeadlineExceeded']]);
    assert.equal(statusOf('slow').conditions?.[1]?.message, 'Job was active longer than specified deadline');
  });

  test('job controller applies the pod failure policy: Ignore does not count, FailJob fails at once', () => {
    createJob('policy', {
      backoffLimit: 6,
      podFailurePolicy: { rules: [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [2] } }, { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } }] },
    });
    sync('policy');
    h.setPhase(h.podsOf('policy')[0]!, 'Failed', 2);
    sync('policy');
    assert.equal(statusOf('policy').failed, undefined, 'an ignored failure is not counted');
    assert.equal(statusOf('policy').active, 1, 'and is replaced at once');
    const second = h.podsOf('policy')[1]!;
    h.setPhase(second, 'Failed', 42);
    sync('policy');
    const status = statusOf('policy');
    assert.deepEqual(conditionsOf('policy'), [['FailureTarget', 'True', 'PodFailurePolicy'], ['Failed', 'True', 'PodFailurePolicy']]);
    assert.equal(status.conditions?.[0]?.message, `Container main for pod default/${metaOf(second).name ?? ''} failed with exit code 42 matching FailJob rule at index 1`);
  });

  test('job controller suspends a Job (its pods deleted, uncounted) and resumes it', () => {
    createJob('paused');
    sync('paused');
    h.api.patch(jobs(), 'default', 'paused', 'application/merge-patch+json', { spec: { suspend: true } }, ADMIN);
    sync('paused');
    assert.ok(metaOf(h.podsOf('paused')[0]!).deletionTimestamp);
    assert.deepEqual(conditionsOf('paused'), [['Suspended', 'True', 'JobSuspended']]);
    assert.equal(statusOf('paused').startTime, undefined);
    sync('paused');
    assert.equal(statusOf('paused').failed, undefined, 'a pod deleted for the suspension is no failure');
    h.api.patch(jobs(), 'default', 'paused', 'application/merge-patch+json', { spec: { suspend: false } }, ADMIN);
    sync('paused');
    assert.deepEqual(conditionsOf('paused'), [['Suspended', 'False', 'JobResumed']]);
    assert.ok(statusOf('paused').startTime);
    assert.equal(statusOf('paused').active, 1);
  });

  test('job controller gives each index of an Indexed Job a pod, and records completed indexes', () => {
    createJob('indexed', { completionMode: 'Indexed', completions: 3, parallelism: 3 });
    sync('indexed');
    const pods = h.podsOf('indexed');
    assert.deepEqual(pods.map((p) => metaOf(p).annotations?.['batch.kubernetes.io/job-completion-index']).sort(), ['0', '1', '2']);
    const zero = pods.find((p) => metaOf(p).annotations?.['batch.kubernetes.io/job-completion-index'] === '0')!;
    assert.match(metaOf(zero).name ?? '', /^indexed-0-[a-z0-9]{5}$/);
    const spec = zero['spec'] as { hostname?: string; containers: { env?: { name: string }[] }[] };
    assert.equal(spec.hostname, 'indexed-0');
    assert.ok(spec.containers[0]!.env?.some((e) => e.name === 'JOB_COMPLETION_INDEX'));
    h.setPhase(zero, 'Succeeded');
    sync('indexed');
    assert.equal(statusOf('indexed').completedIndexes, '0');
    for (const other of pods.filter((p) => p !== zero)) h.setPhase(other, 'Succeeded');
    sync('indexed');
    assert.equal(statusOf('indexed').completedIndexes, '0-2');
    assert.deepEqual(conditionsOf('indexed').map(([t]) => t), ['SuccessCriteriaMet', 'Complete']);
  });

  test('ttl-after-finished deletes a finished Job ttlSecondsAfterFinished after it finished', () => {
    const ttl = new TtlAfterFinishedController(h.context, { now: () => h.now() });
    createJob('brief', { ttlSecondsAfterFinished: 100 });
    sync('brief');
    assert.equal(ttl.sync('default/brief'), undefined, 'a running Job has no expiry');
    h.setPhase(h.podsOf('brief')[0]!, 'Succeeded');
    sync('brief');
    assert.deepEqual(ttl.sync('default/brief'), { requeueAfterMs: 100_000 });
    h.advance(100_000);
    ttl.sync('default/brief');
    const job = h.api.find(jobs(), 'default', 'brief');
    assert.ok(job === undefined || metaOf(job).deletionTimestamp !== undefined, 'deleted, in the foreground');
  });
});
