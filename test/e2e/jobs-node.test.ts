/**
 * Jobs and CronJobs that really run (needs root, which CI has), with the real kubectl, on
 * `hostpod up` with its own node and, side by side, on the real control plane (1.36) with a
 * hostpod node joined: a Job's HostProcess pod writes a file on the host and runs to completion,
 * and `kubectl wait --for=condition=complete` returns; a failing one is retried after the
 * back-off and reaches BackoffLimitExceeded with backoffLimit 1, and `kubectl wait
 * --for=condition=failed` returns; one with ttlSecondsAfterFinished goes with its pod once it
 * completed; a CronJob scheduled `* * * * *` runs once within the minute
 * (the suite's one wait for real time). Each Job's final status, times aside, is the same on both.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, kubectl, kubectlSkip, type Kubectl } from '../support/controlplane.js';
import { realClusterSkip } from '../support/kube-binaries.js';
import { freePort, startRealCluster, type RealCluster } from '../support/real-cluster.js';
import { joinRealNode, type RealNode } from '../support/real-node.js';
import { removeAllContainers, startUp, type UpProcess } from '../support/hostpod-up.js';
import { rootSkip } from '../support/runtime.js';

const NS = 'host-tasks';
const skip = rootSkip() || realClusterSkip() || kubectlSkip('1.33');

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

interface JobStatus { succeeded?: number; failed?: number; active?: number; completionTime?: string; conditions?: { type: string; status: string; reason: string }[] }

/** One control plane the Jobs run on: its kubectl, and a directory on the host its pods write to. */
interface Target {
  name: string;
  k: Kubectl;
  hostDir: string;
  dir: string;
}

/** A status with its times replaced, to compare the two control planes' . */
function withoutTimes(status: unknown): unknown {
  return JSON.parse(JSON.stringify(status).replace(/"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"/g, '"<time>"'));
}

describe('jobs that run, on hostpod up and on the real control plane', { skip, timeout: 300_000 }, () => {
  const base = mkdtempSync(join(tmpdir(), 'hostpod-jobs-run-'));
  let up: UpProcess | undefined;
  let cluster: RealCluster | undefined;
  let node: RealNode | undefined;
  const targets: Target[] = [];
  let cronCreatedAt = 0;

  before(async () => {
    const [upStart, realStart] = await Promise.allSettled([
      freePort().then((port) => startUp(join(base, 'up'), port)),
      startRealCluster().then(async (c) => {
        cluster = c;
        node = await joinRealNode(c, { name: 'tasks', dir: join(base, 'node'), address: '127.0.0.1', kubeletPort: 0 });
        return c;
      }),
    ]);
    if (upStart.status === 'fulfilled') up = upStart.value;
    if (upStart.status === 'rejected' || realStart.status === 'rejected') throw [upStart, realStart].flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []))[0]!;
    for (const [name, kubeconfig] of [['hostpod', up!.kubeconfig], ['real', cluster!.kubeconfig]] as const) {
      const target = { name, k: kubectl('1.33', kubeconfig), hostDir: mkdtempSync(join(base, `host-${name}-`)), dir: mkdtempSync(join(base, `files-${name}-`)) };
      targets.push(target);
      assert.equal((await target.k('create', 'namespace', NS)).code, 0);
      assert.equal((await target.k('label', 'namespace', NS, 'pod-security.kubernetes.io/enforce=privileged')).code, 0);
    }
    // The CronJobs start first, so that their minute passes while the Jobs run.
    cronCreatedAt = Date.now();
    for (const t of targets) {
      await eventually(async () => ((await t.k('get', 'serviceaccount', 'default', '-n', NS)).code === 0 ? true : undefined), 30_000, 'the default service account');
      await apply(t, 'CronJob', 'every-minute', { schedule: '* * * * *', timeZone: 'UTC', jobTemplate: { spec: { template: hostTemplate(`echo tick >> ${t.hostDir}/ticks`) } } });
    }
  });
  after(async () => {
    await up?.stop();
    await removeAllContainers(join(base, 'up'));
    try {
      await node?.remove();
    } finally {
      await cluster?.stop();
    }
    rmSync(base, { recursive: true, force: true });
  });

  async function apply(t: Target, kind: 'Job' | 'CronJob', name: string, spec: Record<string, unknown>): Promise<void> {
    const file = join(t.dir, `${name}.json`);
    writeFileSync(file, JSON.stringify({ apiVersion: 'batch/v1', kind, metadata: { name, namespace: NS }, spec }));
    const applied = await t.k('apply', '-f', file);
    assert.equal(applied.code, 0, `${t.name}: ${applied.stderr}`);
  }
  const statusOf = async (t: Target, name: string): Promise<JobStatus> => (JSON.parse((await t.k('get', 'job', name, '-n', NS, '-o', 'json')).stdout) as { status: JobStatus }).status;

  test('a Job of a HostProcess pod writes a file on the host, completes, and kubectl wait --for=condition=complete returns', async () => {
    const statuses = await Promise.all(targets.map(async (t) => {
      await apply(t, 'Job', 'write', { template: hostTemplate(`echo done > ${t.hostDir}/written`) });
      const waited = await t.k('wait', '--for=condition=complete', 'job/write', '-n', NS, '--timeout=90s');
      assert.equal(waited.code, 0, `${t.name}: ${waited.stderr}`);
      assert.equal(waited.stdout, 'job.batch/write condition met\n');
      assert.equal(readFileSync(join(t.hostDir, 'written'), 'utf8'), 'done\n');
      const pods = await eventually(async () => {
        const out = (await t.k('get', 'pods', '-n', NS, '-l', 'job-name=write', '-o', 'jsonpath={range .items[*]}{.status.phase} {.metadata.finalizers}{"\\n"}{end}')).stdout;
        return out === 'Succeeded \n' ? out : undefined;
      }, 10_000, `${t.name}: the pod's finalizer to go`);
      assert.equal(pods, 'Succeeded \n');
      assert.match((await t.k('get', 'job', 'write', '-n', NS)).stdout, /^write\s+Complete\s+1\/1\s+\d+s\s+\d+s$/m);
      return statusOf(t, 'write');
    }));
    const [hostpod, real] = statuses;
    assert.equal(hostpod!.succeeded, 1);
    assert.ok(hostpod!.completionTime);
    assert.deepEqual(hostpod!.conditions?.map((c) => [c.type, c.status, c.reason]), [['SuccessCriteriaMet', 'True', 'CompletionsReached'], ['Complete', 'True', 'CompletionsReached']]);
    assert.deepEqual(withoutTimes(hostpod), withoutTimes(real), 'the same final status as the real control plane\'s');
  });

  test('a failing Job is retried after the back-off, then fails with BackoffLimitExceeded, and kubectl wait --for=condition=failed returns', async () => {
    const statuses = await Promise.all(targets.map(async (t) => {
      await apply(t, 'Job', 'fail', { backoffLimit: 1, template: hostTemplate('exit 3') });
      const waited = await t.k('wait', '--for=condition=failed', 'job/fail', '-n', NS, '--timeout=120s');
      assert.equal(waited.code, 0, `${t.name}: ${waited.stderr}`);
      const described = await t.k('describe', 'job', 'fail', '-n', NS);
      assert.match(described.stdout, /Warning\s+BackoffLimitExceeded\s+.*job-controller\s+Job has reached the specified backoff limit/, t.name);
      return statusOf(t, 'fail');
    }));
    const [hostpod, real] = statuses;
    assert.equal(hostpod!.failed, 2, 'the first pod and its one retry');
    assert.equal(hostpod!.active, undefined);
    assert.deepEqual(hostpod!.conditions?.map((c) => [c.type, c.status, c.reason]), [['FailureTarget', 'True', 'BackoffLimitExceeded'], ['Failed', 'True', 'BackoffLimitExceeded']]);
    assert.deepEqual(withoutTimes(hostpod), withoutTimes(real), 'the same final status as the real control plane\'s');
  });

  test('a Job with ttlSecondsAfterFinished 0 is deleted with its pod once it completed', async () => {
    await Promise.all(targets.map(async (t) => {
      await apply(t, 'Job', 'brief', { ttlSecondsAfterFinished: 0, template: hostTemplate('true') });
      await eventually(async () => {
        const job = await t.k('get', 'job', 'brief', '-n', NS, '-o', 'name');
        const pods = await t.k('get', 'pods', '-n', NS, '-l', 'job-name=brief', '-o', 'name');
        return job.code !== 0 && /NotFound/.test(job.stderr) && pods.stdout === '' ? true : undefined;
      }, 60_000, `${t.name}: the finished Job and its pod to be deleted`);
    }));
  });

  test('a CronJob scheduled * * * * * runs once within its minute', async () => {
    const seen = await Promise.all(targets.map(async (t) => {
      const name = await eventually(async () => {
        const out = (await t.k('get', 'jobs', '-n', NS, '-o', 'jsonpath={range .items[*]}{.metadata.name} {.metadata.ownerReferences[0].kind} {.status.succeeded}{"\\n"}{end}')).stdout;
        return /^(every-minute-\d+) CronJob 1$/m.exec(out)?.[1];
      }, Math.max(120_000 - (Date.now() - cronCreatedAt), 5000), `${t.name}: the CronJob's first Job to succeed`);
      const minutes = Number(name.slice('every-minute-'.length));
      const annotation = (await t.k('get', 'job', name, '-n', NS, '-o', 'jsonpath={.metadata.annotations.batch\\.kubernetes\\.io/cronjob-scheduled-timestamp}')).stdout;
      assert.equal(annotation, new Date(minutes * 60_000).toISOString().replace('.000Z', 'Z'), t.name);
      assert.equal(readFileSync(join(t.hostDir, 'ticks'), 'utf8').split('\n')[0], 'tick');
      const status = await eventually(async () => {
        const out = (await t.k('get', 'cronjob', 'every-minute', '-n', NS, '-o', 'jsonpath={.status.lastScheduleTime} {.status.lastSuccessfulTime}')).stdout;
        return /^\S+ \S+$/.test(out) ? out : undefined;
      }, 15_000, `${t.name}: the CronJob's last successful time`);
      assert.equal(status.split(' ')[0], annotation, t.name);
      assert.equal((await t.k('delete', 'cronjob', 'every-minute', '-n', NS)).code, 0);
      return name.replace(/\d+$/, '<minute>');
    }));
    assert.deepEqual(seen, ['every-minute-<minute>', 'every-minute-<minute>']);
  });
});
