/**
 * Jobs and CronJobs parity (issue 18, point 5): one scripted kubectl session about batch/v1, run
 * step by step against the real control plane (kube-apiserver, controller manager and scheduler
 * 1.36 as kubeadm sets them up) and against `hostpod up --no-node`. Neither has a node, so the
 * Jobs' pods stay Pending: what is compared is what the API server and the controllers do
 * without pods that end (creation, defaults, tables, describe, validation, suspend, create job
 * --from=cronjob, cascading deletion). Differences that remain are listed with their reason in
 * parity-jobs.known.yaml; a listed one that no longer occurs fails too.
 *
 * HOSTPOD_PARITY_TRANSCRIPT=FILE writes every step's normalized output on both sides to FILE.
 */
import { join } from 'node:path';
import { kubectlSkip } from '../support/controlplane.js';
import { realClusterSkip } from '../support/kube-binaries.js';
import { paritySuite } from '../support/parity/suite.js';
import type { ParitySession} from '../support/parity/session.js';
import { type Run } from '../support/parity/session.js';

const KUBECTL = '1.33';
const NS = 'batch';
const KNOWN = join(import.meta.dirname, 'parity-jobs.known.yaml');
const IMAGE = 'localhost/hostprocess-base:latest';
const skip = realClusterSkip() || kubectlSkip(KUBECTL);

const ok = (run: Run): boolean => run.code === 0;
const printed = (text: string) => (run: Run): boolean => run.code === 0 && run.stdout.trim() === text;
const n = (...args: string[]): string[] => [...args, '-n', NS];
/** A kubectl create with a command: the namespace before the `--`. */
const withCommand = (args: string[], command: string[]): string[] => [...args, '-n', NS, '--', ...command];

const template = { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: IMAGE, command: ['/bin/sh', '-c', 'true'] }] } };
const job = (name: string, spec: Record<string, unknown>): string => JSON.stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: NS }, spec: { template, ...spec } });
const cronJob = (name: string, spec: Record<string, unknown>): string => JSON.stringify({
  apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name, namespace: NS },
  spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template } }, ...spec },
});

async function setUp(s: ParitySession): Promise<void> {
  await s.step('create namespace', ['create', 'namespace', NS]);
  await s.settle('the default service account', n('get', 'serviceaccount', 'default'), ok);
  await s.step('api-resources: batch', ['api-resources', '--api-group=batch']);
}

async function jobs(s: ParitySession): Promise<void> {
  await s.step('create job', withCommand(['create', 'job', 'once', `--image=${IMAGE}`], ['/bin/sh', '-c', 'true']));
  await s.settle('its pod created', n('get', 'job', 'once', '-o', 'jsonpath={.status.active}'), printed('1'));
  await s.step('get jobs', n('get', 'jobs'));
  await s.step('get jobs -o wide', n('get', 'jobs', '-o', 'wide'));
  await s.step('get job -o yaml', n('get', 'job', 'once', '-o', 'yaml'));
  await s.step('describe job', n('describe', 'job', 'once'));
  await s.step('its pod', n('get', 'pods', '-l', 'job-name=once', '-o', 'jsonpath={range .items[*]}{.metadata.generateName} {.metadata.finalizers} {.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name} {.metadata.ownerReferences[0].controller} {.metadata.ownerReferences[0].blockOwnerDeletion} {.spec.restartPolicy}{"\\n"}{end}'));

  s.write('parallel.json', job('parallel', { completions: 4, parallelism: 2, backoffLimit: 1, activeDeadlineSeconds: 600, ttlSecondsAfterFinished: 60 }));
  await s.step('apply job', ['apply', '-f', 'parallel.json']);
  await s.settle('two pods created', n('get', 'job', 'parallel', '-o', 'jsonpath={.status.active}'), printed('2'));
  await s.step('get job: parallel', n('get', 'job', 'parallel'));
  await s.step('get pods: parallel', n('get', 'pods', '-l', 'job-name=parallel', '-o', 'name'));
  await s.step('apply job: unchanged', ['apply', '-f', 'parallel.json']);

  await s.step('suspend', n('patch', 'job', 'parallel', '--type=merge', '-p', '{"spec":{"suspend":true}}'));
  await s.settle('the job suspended', n('get', 'job', 'parallel', '-o', 'jsonpath={.status.conditions[?(@.type=="Suspended")].status}/{.status.active}'), printed('True/'));
  await s.settle('its pods deleted', n('get', 'pods', '-l', 'job-name=parallel', '-o', 'name'), printed(''));
  await s.step('get jobs: suspended', n('get', 'jobs'));
  // Not the terminating count: kube-controller-manager's stays at the pods it deleted, written before they went.
  await s.step('suspended: status', n('get', 'job', 'parallel', '-o', 'jsonpath={.status.conditions} {.status.active} {.status.ready} {.status.startTime}'));
  await s.step('resume', n('patch', 'job', 'parallel', '--type=merge', '-p', '{"spec":{"suspend":false}}'));
  await s.settle('the job resumed', n('get', 'job', 'parallel', '-o', 'jsonpath={.status.conditions[?(@.type=="Suspended")].reason}/{.status.active}'), printed('JobResumed/2'));
  await s.step('resumed: conditions', n('get', 'job', 'parallel', '-o', 'jsonpath={range .status.conditions[*]}{.type} {.status} {.reason} {.message}{"\\n"}{end}'));
  await s.step('resumed: status', n('get', 'job', 'parallel', '-o', 'jsonpath={.status.active} {.status.ready} {.status.terminating} {.status.uncountedTerminatedPods} {.status.failed}'));
}

async function validation(s: ParitySession): Promise<void> {
  s.write('negative.json', job('negative', { parallelism: -1, completions: -2, backoffLimit: -1, activeDeadlineSeconds: -1, ttlSecondsAfterFinished: -1 }));
  await s.step('422: negative counts', ['apply', '-f', 'negative.json']);
  s.write('always.json', job('always', { template: { spec: { containers: [{ name: 'main', image: IMAGE }] } } }));
  await s.step('422: restartPolicy Always', ['apply', '-f', 'always.json']);
  s.write('selector.json', job('selector', { selector: { matchLabels: { app: 'mine' } } }));
  await s.step('422: a selector not generated', ['create', '-f', 'selector.json']);
  s.write('manual.json', job('manual-selector', { manualSelector: true }));
  await s.step('422: manualSelector without a selector', ['create', '-f', 'manual.json']);
  s.write('indexed.json', job('indexed', { completionMode: 'Indexed', parallelism: 2 }));
  await s.step('422: Indexed without completions', ['create', '-f', 'indexed.json']);
  s.write('policy.json', job('policy', { podFailurePolicy: { rules: [{ action: 'Explode', onExitCodes: { operator: 'In', values: [0] } }] } }));
  await s.step('422: a pod failure policy', ['create', '-f', 'policy.json']);
  await s.step('422: completions immutable', n('patch', 'job', 'once', '--type=merge', '-p', '{"spec":{"completions":3}}'));
  await s.step('422: completionMode immutable', n('patch', 'job', 'once', '--type=merge', '-p', '{"spec":{"completionMode":"Indexed"}}'));
  await s.step('422: selector immutable', n('patch', 'job', 'once', '--type=merge', '-p', '{"spec":{"selector":{"matchLabels":{"x":"y"}}}}'));
  await s.step('mutable: parallelism and deadline', n('patch', 'job', 'once', '--type=merge', '-p', '{"spec":{"parallelism":1,"activeDeadlineSeconds":900}}'));

  s.write('schedule.json', cronJob('schedule', { schedule: '61 * * * *' }));
  await s.step('422: schedule out of range', ['create', '-f', 'schedule.json']);
  s.write('fields.json', cronJob('fields', { schedule: '* * * *' }));
  await s.step('422: schedule of four fields', ['create', '-f', 'fields.json']);
  s.write('tz.json', cronJob('tz', { schedule: 'CRON_TZ=UTC 0 3 * * *' }));
  await s.step('422: TZ in the schedule', ['create', '-f', 'tz.json']);
  s.write('zone.json', cronJob('zone', { timeZone: 'Mars/Olympus' }));
  await s.step('422: unknown time zone', ['create', '-f', 'zone.json']);
  s.write('local.json', cronJob('local', { timeZone: 'Local' }));
  await s.step('422: Local time zone', ['create', '-f', 'local.json']);
  s.write('policy-cj.json', cronJob('policy', { concurrencyPolicy: 'Sometimes', startingDeadlineSeconds: -1, successfulJobsHistoryLimit: -1 }));
  await s.step('422: concurrency policy and limits', ['create', '-f', 'policy-cj.json']);
  s.write('long.json', cronJob('a-cronjob-name-that-is-longer-than-fifty-two-characters', {}));
  await s.step('422: a name too long for its jobs', ['create', '-f', 'long.json']);
  await s.step('create cronjob: bad schedule', n('create', 'cronjob', 'bad', `--image=${IMAGE}`, '--schedule=@fortnightly'));
  s.write('every.json', cronJob('every', { schedule: '@every 90m', timeZone: 'Europe/Paris' }));
  await s.step('create: @every in a time zone', ['create', '-f', 'every.json', '--dry-run=server']);
}

async function cronJobs(s: ParitySession): Promise<void> {
  await s.step('create cronjob', withCommand(['create', 'cronjob', 'nightly', `--image=${IMAGE}`, '--schedule=0 3 * * *'], ['/bin/sh', '-c', 'true']));
  await s.step('get cronjobs', n('get', 'cronjobs'));
  await s.step('get cronjobs -o wide', n('get', 'cj', '-o', 'wide'));
  await s.step('get cronjob -o yaml', n('get', 'cronjob', 'nightly', '-o', 'yaml'));
  await s.step('describe cronjob', n('describe', 'cronjob', 'nightly'));
  await s.step('create job --from=cronjob', n('create', 'job', 'by-hand', '--from=cronjob/nightly'));
  await s.settle('its pod created', n('get', 'job', 'by-hand', '-o', 'jsonpath={.status.active}'), printed('1'));
  await s.settle('the cronjob saw it', n('get', 'events', '--field-selector=reason=UnexpectedJob', '-o', 'name'), (run) => ok(run) && run.stdout.trim() !== '');
  await s.step('get job --from=cronjob -o yaml', n('get', 'job', 'by-hand', '-o', 'yaml'));
  await s.step('the cronjob does not count it', n('get', 'cronjob', 'nightly', '-o', 'jsonpath={.status}'));
  await s.step('suspend cronjob', n('patch', 'cronjob', 'nightly', '-p', '{"spec":{"suspend":true}}'));
  await s.step('get cronjobs: suspended', n('get', 'cronjobs'));
  await s.step('422: cronjob schedule update', n('patch', 'cronjob', 'nightly', '-p', '{"spec":{"schedule":"TZ=UTC 0 3 * * *"}}'));
}

async function deletions(s: ParitySession): Promise<void> {
  await s.step('delete job: background', n('delete', 'job', 'once'));
  await s.settle('its pod collected', n('get', 'pods', '-l', 'job-name=once', '-o', 'name'), printed(''));
  await s.step('delete job: orphan', n('delete', 'job', 'parallel', '--cascade=orphan'));
  await s.settle('the orphans let go', n('get', 'pods', '-l', 'job-name=parallel', '-o', 'jsonpath={.items[*].metadata.finalizers}'), printed(''));
  await s.step('orphans left', n('get', 'pods', '-l', 'job-name=parallel', '-o', 'jsonpath={range .items[*]}{.metadata.ownerReferences}{"\\n"}{end}'));
  await s.step('delete cronjob: foreground', n('delete', 'cronjob', 'nightly', '--cascade=foreground'));
  await s.settle('its job collected', n('get', 'jobs', '-o', 'name'), printed(''));
  await s.step('delete namespace', ['delete', 'namespace', NS, '--timeout=60s']);
}

paritySuite({
  title: 'jobs parity: a batch/v1 kubectl session on the real control plane and on hostpod up',
  skip, known: KNOWN, kubectls: [KUBECTL],
  run: async (session) => {
    for (const section of [setUp, jobs, validation, cronJobs, deletions]) await section(session);
  },
});
