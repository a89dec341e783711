/** batch/v1 Job and CronJob: their defaults (SetDefaults_Job, SetDefaults_CronJob) and their pod templates'. */
import { defaultPointer, ensureObject, isJsonObject, isUnset, objectAt, type JsonObject } from './json.js';
import { defaultPodTemplate } from './pod-spec-defaults.js';

/** Mutates `job` in place with the API server's defaults. */
export function defaultJob(job: JsonObject): void {
  const spec = ensureObject(job, 'spec');
  if (isUnset(spec['completions']) && isUnset(spec['parallelism'])) {
    spec['completions'] = 1;
    spec['parallelism'] = 1;
  }
  defaultPointer(spec, 'parallelism', 1);
  defaultPointer(spec, 'backoffLimit', isUnset(spec['backoffLimitPerIndex']) ? 6 : 2147483647);
  const template = ensureObject(spec, 'template');
  // In Go the Job's labels become the very map of its template's, so labels the template gets
  // later (the generated selector's) show on the Job too.
  const labels = objectAt(ensureObject(template, 'metadata'), 'labels');
  const metadata = ensureObject(job, 'metadata');
  if (labels && (!isJsonObject(metadata['labels']) || Object.keys(metadata['labels']).length === 0)) metadata['labels'] = labels;
  defaultPointer(spec, 'completionMode', 'NonIndexed');
  defaultPointer(spec, 'suspend', false);
  const policy = objectAt(spec, 'podFailurePolicy');
  for (const rule of Array.isArray(policy?.['rules']) ? policy['rules'] : []) {
    if (!isJsonObject(rule) || !Array.isArray(rule['onPodConditions'])) continue;
    for (const pattern of rule['onPodConditions']) if (isJsonObject(pattern)) defaultPointer(pattern, 'status', 'True');
  }
  defaultPointer(spec, 'podReplacementPolicy', policy ? 'Failed' : 'TerminatingOrFailed');
  defaultPodTemplate(template);
}

/** Mutates `cronJob` in place with the API server's defaults. */
export function defaultCronJob(cronJob: JsonObject): void {
  const spec = ensureObject(cronJob, 'spec');
  if (typeof spec['concurrencyPolicy'] !== 'string' || spec['concurrencyPolicy'] === '') spec['concurrencyPolicy'] = 'Allow';
  defaultPointer(spec, 'suspend', false);
  defaultPointer(spec, 'successfulJobsHistoryLimit', 3);
  defaultPointer(spec, 'failedJobsHistoryLimit', 1);
  defaultPodTemplate(ensureObject(ensureObject(ensureObject(spec, 'jobTemplate'), 'spec'), 'template'));
}
