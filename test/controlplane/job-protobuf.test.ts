/**
 * Jobs and CronJobs from Protobuf, as kubectl 1.33 sends `create job`, `create job --from=cronjob`
 * and `create cronjob`: a CronJob with a full HostProcess template (environment, volumes,
 * resources, probes, tolerations, affinity, a security context) gives `create job --from` a Job
 * whose template is the CronJob's, field for field; a Protobuf field hostpod does not know is
 * refused, not dropped.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeProtobuf } from '../../src/controlplane/server/protobuf.js';
import { kubectl, kubectlSkip, startControlPlane, type Kubectl, type StartedPlane } from '../support/controlplane.js';

const skip = kubectlSkip('1.33');

const TEMPLATE = {
  metadata: { labels: { task: 'patch' }, annotations: { note: 'weekly' } },
  spec: {
    restartPolicy: 'OnFailure',
    hostNetwork: true,
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    tolerations: [{ key: 'hostpod.io/hostprocess', operator: 'Exists', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 0 }],
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'role', operator: 'In', values: ['worker'] }] }] } } },
    securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' }, runAsNonRoot: false },
    terminationGracePeriodSeconds: 0,
    volumes: [{ name: 'logs', hostPath: { path: '/var/log', type: 'Directory' } }, { name: 'scratch', emptyDir: { sizeLimit: '1Gi' } }],
    containers: [{
      name: 'task', image: 'localhost/hostprocess-base:latest', command: ['/bin/sh', '-c', 'echo $MODE'], args: ['x'],
      env: [{ name: 'MODE', value: 'quick' }, { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
      resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '0' } },
      volumeMounts: [{ name: 'logs', mountPath: '/logs', readOnly: true }],
      readinessProbe: { exec: { command: ['true'] }, periodSeconds: 5 },
      livenessProbe: { httpGet: { path: '/healthz', port: 'http' } },
      ports: [{ name: 'http', containerPort: 8080 }],
      securityContext: { allowPrivilegeEscalation: false },
    }],
  },
};

describe('jobs from Protobuf', { skip }, () => {
  let s: StartedPlane;
  let k: Kubectl;
  let dir: string;
  before(async () => {
    s = await startControlPlane();
    k = kubectl('1.33', s.kubeconfig);
    dir = mkdtempSync(join(tmpdir(), 'hostpod-job-protobuf-'));
  });
  after(async () => {
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('jobs from Protobuf: create job --from=cronjob copies a full HostProcess template field for field', async () => {
    const file = join(dir, 'cronjob.json');
    writeFileSync(file, JSON.stringify({
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'weekly', namespace: 'default' },
      spec: { schedule: '@weekly', suspend: true, jobTemplate: { metadata: { labels: { from: 'weekly' } }, spec: { backoffLimit: 0, completions: 2, parallelism: 0, activeDeadlineSeconds: 600, template: TEMPLATE } } },
    }));
    const created = await k('create', '-f', file);
    assert.equal(created.code, 0, created.stderr);
    const fromCronJob = await k('create', 'job', 'now', '--from=cronjob/weekly');
    assert.equal(fromCronJob.code, 0, fromCronJob.stderr);
    const cronJob = JSON.parse((await k('get', 'cronjob', 'weekly', '-o', 'json')).stdout) as { spec: { jobTemplate: { spec: { template: { metadata: Record<string, unknown>; spec: unknown } } } } };
    const job = JSON.parse((await k('get', 'job', 'now', '-o', 'json')).stdout) as { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: { backoffLimit: number; completions: number; parallelism: number; activeDeadlineSeconds: number; template: { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: unknown } } };
    assert.deepEqual(job.spec.template.spec, cronJob.spec.jobTemplate.spec.template.spec, 'the pod spec arrives whole');
    assert.equal(job.spec.template.metadata.annotations['note'], 'weekly');
    assert.equal(job.spec.template.metadata.labels['task'], 'patch');
    assert.deepEqual([job.spec.backoffLimit, job.spec.completions, job.spec.parallelism, job.spec.activeDeadlineSeconds], [0, 2, 0, 600], 'a set pointer\'s 0 stays 0');
    assert.equal(job.metadata.annotations['cronjob.kubernetes.io/instantiate'], 'manual');
    assert.equal(job.metadata.labels['from'], 'weekly');
  });

  test('jobs from Protobuf: kubectl create job and create cronjob', async () => {
    const createdJob = await k('create', 'job', 'quick', '--image=localhost/hostprocess-base:latest', '--', '/bin/sh', '-c', 'true');
    assert.equal(createdJob.code, 0, createdJob.stderr);
    assert.equal((await k('get', 'job', 'quick', '-o', 'jsonpath={.spec.template.spec.containers[0].command}')).stdout, '["/bin/sh","-c","true"]');
    const createdCronJob = await k('create', 'cronjob', 'hourly', '--image=localhost/hostprocess-base:latest', '--schedule=@hourly', '--restart=Never');
    assert.equal(createdCronJob.code, 0, createdCronJob.stderr);
    assert.equal((await k('get', 'cronjob', 'hourly', '-o', 'jsonpath={.spec.schedule} {.spec.jobTemplate.spec.template.spec.restartPolicy}')).stdout, '@hourly Never');
  });

  test('jobs from Protobuf: a field hostpod does not know is refused, not dropped', async () => {
    // A Job (batch_v1_Job) whose ObjectMeta carries field 99: k8s\0, then Unknown{typeMeta, raw}.
    const typeMeta = Buffer.concat([Buffer.from([0x0a, 8]), Buffer.from('batch/v1'), Buffer.from([0x12, 3]), Buffer.from('Job')]);
    const meta = Buffer.concat([Buffer.from([0x0a, 1]), Buffer.from('x'), Buffer.from([0x9a, 0x06, 1]), Buffer.from('y')]);
    const raw = Buffer.concat([Buffer.from([0x0a, meta.length]), meta]);
    const body = Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0x00]), Buffer.from([0x0a, typeMeta.length]), typeMeta, Buffer.from([0x12, raw.length]), raw]);
    await assert.rejects(decodeProtobuf(body), (e: Error & { code?: number }) => e.code === 415 && /hostpod cannot read Job\.metadata \(field 99\) from Protobuf; send the Job as JSON/.test(e.message));
    const known = Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0x00]), Buffer.from([0x0a, typeMeta.length]), typeMeta, Buffer.from([0x12, 5, 0x0a, 3, 0x0a, 1]), Buffer.from('x')]);
    assert.deepEqual(await decodeProtobuf(known), { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'x' } });
  });
});
