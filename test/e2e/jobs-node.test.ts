/**
 * Jobs and CronJobs on `hostpod up` with its own node (needs root, which CI has), with the real
 * kubectl: a Job's HostProcess pod writes a file on the host and runs to completion, and `kubectl
 * wait --for=condition=complete` returns; a failing one is retried after the back-off and reaches
 * BackoffLimitExceeded with backoffLimit 1, and `kubectl wait --for=condition=failed` returns; a
 * CronJob scheduled `* * * * *` runs once within the minute (the suite's one wait for real time).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, kubectl, kubectlSkip, type Kubectl } from '../support/controlplane.js';
import { freePort } from '../support/real-cluster.js';
import { removeAllContainers, startUp, type UpProcess } from '../support/hostpod-up.js';
import { rootSkip } from '../support/runtime.js';

const NS = 'host-tasks';
const skip = rootSkip() || kubectlSkip('1.33');

/** A HostProcess pod template running `script` in the host's shell. */
function hostTemplate(script: string): Record<string, unknown> {
  return {
    spec: {
      restartPolicy: 'Never',
      hostNetwork: true,
      tolerations: [{ key: 'hostpod.io/hostprocess', operator: 'Exists', effect: 'NoSchedule' }],
      securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
      containers: [{ name: 'task', image: 'localhost/hostprocess-base:latest', command: ['/bin/sh', '-c', script] }],
    },
  };
}

interface JobView { status?: { succeeded?: number; failed?: number; active?: number; completionTime?: string; conditions?: { type: string; status: string; reason: string }[] } }

describe('jobs on hostpod up with its node', { skip, timeout: 240_000 }, () => {
  let dir: string;
  let hostDir: string;
  let up: UpProcess;
  let k: Kubectl;
  let cronCreatedAt: number;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hostpod-jobs-up-'));
    hostDir = mkdtempSync(join(tmpdir(), 'hostpod-jobs-host-'));
    up = await startUp(dir, await freePort());
    k = kubectl('1.33', up.kubeconfig);
    assert.equal((await k('create', 'namespace', NS)).code, 0);
    assert.equal((await k('label', 'namespace', NS, 'pod-security.kubernetes.io/enforce=privileged')).code, 0);
    // The CronJob starts first, so that its minute passes while the Jobs run.
    const cronJob = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'every-minute', namespace: NS }, spec: { schedule: '* * * * *', timeZone: 'UTC', jobTemplate: { spec: { template: hostTemplate(`echo tick >> ${hostDir}/ticks`) } } } };
    writeFileSync(join(dir, 'cronjob.json'), JSON.stringify(cronJob));
    cronCreatedAt = Date.now();
    const created = await k('apply', '-f', join(dir, 'cronjob.json'));
    assert.equal(created.code, 0, created.stderr);
  });
  after(async () => {
    await up?.stop();
    await removeAllContainers(dir);
    rmSync(dir, { recursive: true, force: true });
    rmSync(hostDir, { recursive: true, force: true });
  });

  async function apply(name: string, spec: Record<string, unknown>): Promise<void> {
    writeFileSync(join(dir, `${name}.json`), JSON.stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: NS }, spec }));
    const applied = await k('apply', '-f', join(dir, `${name}.json`));
    assert.equal(applied.code, 0, applied.stderr);
  }
  const jobOf = async (name: string): Promise<JobView> => JSON.parse((await k('get', 'job', name, '-n', NS, '-o', 'json')).stdout) as JobView;

  test('a Job of a HostProcess pod writes a file on the host, completes, and kubectl wait --for=condition=complete returns', async () => {
    await apply('write', { template: hostTemplate(`echo done > ${hostDir}/written`) });
    const waited = await k('wait', '--for=condition=complete', 'job/write', '-n', NS, '--timeout=90s');
    assert.equal(waited.code, 0, waited.stderr);
    assert.equal(waited.stdout, 'job.batch/write condition met\n');
    assert.equal(readFileSync(join(hostDir, 'written'), 'utf8'), 'done\n');
    const status = (await jobOf('write')).status!;
    assert.equal(status.succeeded, 1);
    assert.ok(status.completionTime);
    assert.deepEqual(status.conditions?.map((c) => [c.type, c.status, c.reason]), [['SuccessCriteriaMet', 'True', 'CompletionsReached'], ['Complete', 'True', 'CompletionsReached']]);
    const pods = await k('get', 'pods', '-n', NS, '-l', 'job-name=write', '-o', 'jsonpath={range .items[*]}{.status.phase} {.metadata.finalizers}{"\\n"}{end}');
    assert.equal(pods.stdout, 'Succeeded \n', 'the pod succeeded, and the job-tracking finalizer is gone');
    const table = await k('get', 'job', 'write', '-n', NS);
    assert.match(table.stdout, /^write\s+Complete\s+1\/1\s+\d+s\s+\d+s$/m);
  });

  test('a failing Job is retried after the back-off, then fails with BackoffLimitExceeded, and kubectl wait --for=condition=failed returns', async () => {
    await apply('fail', { backoffLimit: 1, template: hostTemplate('exit 3') });
    const waited = await k('wait', '--for=condition=failed', 'job/fail', '-n', NS, '--timeout=120s');
    assert.equal(waited.code, 0, waited.stderr);
    const status = (await jobOf('fail')).status!;
    assert.equal(status.failed, 2, 'the first pod and its one retry');
    assert.equal(status.active, undefined);
    assert.deepEqual(status.conditions?.map((c) => [c.type, c.status, c.reason]), [['FailureTarget', 'True', 'BackoffLimitExceeded'], ['Failed', 'True', 'BackoffLimitExceeded']]);
    const described = await k('describe', 'job', 'fail', '-n', NS);
    assert.match(described.stdout, /Warning\s+BackoffLimitExceeded\s+.*job-controller\s+Job has reached the specified backoff limit/);
  });

  test('a CronJob scheduled * * * * * runs once within its minute', async () => {
    const name = await eventually(async () => {
      const out = (await k('get', 'jobs', '-n', NS, '-l', 'batch.kubernetes.io/job-name', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.metadata.ownerReferences[0].kind} {.status.succeeded}{"\\n"}{end}')).stdout;
      return /^(every-minute-\d+) CronJob 1$/m.exec(out)?.[1];
    }, Math.max(100_000 - (Date.now() - cronCreatedAt), 5000), 'the CronJob\'s first Job to succeed');
    const minutes = Number(name.slice('every-minute-'.length));
    const annotation = (await k('get', 'job', name, '-n', NS, '-o', 'jsonpath={.metadata.annotations.batch\\.kubernetes\\.io/cronjob-scheduled-timestamp}')).stdout;
    assert.equal(annotation, new Date(minutes * 60_000).toISOString().replace('.000Z', 'Z'));
    assert.equal(readFileSync(join(hostDir, 'ticks'), 'utf8').split('\n')[0], 'tick');
    const status = await eventually(async () => {
      const out = (await k('get', 'cronjob', 'every-minute', '-n', NS, '-o', 'jsonpath={.status.lastScheduleTime} {.status.lastSuccessfulTime}')).stdout;
      return /^\S+ \S+$/.test(out) ? out : undefined;
    }, 10_000, 'the CronJob\'s last successful time');
    assert.equal(status.split(' ')[0], annotation);
    assert.equal((await k('delete', 'cronjob', 'every-minute', '-n', NS)).code, 0);
  });
});
