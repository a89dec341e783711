/**
 * What ValidateJob, ValidateCronJob and their Update forms check beyond the pod template (which
 * the policy engine validates for both kinds): the Job's counts and modes, its generated
 * selector, its pod failure policy, the fields that cannot change, and a CronJob's schedule, time
 * zone, policy and history limits. Messages and paths as kube-apiserver's.
 */
import type { V1LabelSelector } from '@kubernetes/client-node';
import { isJsonObject, semanticEqual, type JsonObject } from '../../api/defaults/json.js';
import { parseSchedule, ScheduleError, unknownTimeZone } from '../cron/index.js';
import { FieldPath, forbidden, GoJsonValue, invalid, notSupported, required, type FieldError } from '../../policy/field.js';
import { labelSelectorMatches, validateLabelSelector } from '../../policy/validation/workload.js';

const NEGATIVE = 'must be greater than or equal to 0';
/** The labels a generated selector selects: the current ones, then the legacy ones. */
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';
const MAX_PARALLELISM_INDEXED = 100_000;
const ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'];

const record = (value: unknown): JsonObject => (isJsonObject(value) ? value : {});
const isSet = (value: unknown): boolean => value !== undefined && value !== null;

function nonNegative(spec: JsonObject, key: string, path: FieldPath): FieldError[] {
  const value = spec[key];
  return typeof value === 'number' && value < 0 ? [invalid(path.child(key), value, NEGATIVE)] : [];
}

/** A LabelSelector as a bad value: encoding/json of the v1 struct, maps sorted. */
function selectorValue(selector: unknown): GoJsonValue {
  const s = record(selector);
  const labels = record(s['matchLabels']);
  return new GoJsonValue({
    ...(Object.keys(labels).length > 0 ? { matchLabels: Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1))) } : {}),
    ...(Array.isArray(s['matchExpressions']) && s['matchExpressions'].length > 0 ? { matchExpressions: s['matchExpressions'] } : {}),
  });
}

const sortedLabels = (labels: unknown): unknown => (isJsonObject(labels) ? new GoJsonValue(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)))) : null);

/** validateGeneratedSelector: the labels a generated selector needs are on the template and select it. */
export function validateGeneratedSelector(job: JsonObject): FieldError[] {
  const spec = record(job['spec']);
  const templateMeta = record(record(spec['template'])['metadata']);
  if (spec['manualSelector'] === true || !isJsonObject(templateMeta['labels']) || !isSet(spec['selector'])) return [];
  const meta = record(job['metadata']);
  const uid = typeof meta['uid'] === 'string' ? meta['uid'] : '';
  const name = typeof meta['name'] === 'string' ? meta['name'] : '';
  const errors: FieldError[] = [];
  if (uid === '') errors.push(required(FieldPath.root('metadata').child('uid')));
  const labels = templateMeta['labels'];
  const labelsPath = FieldPath.of(['spec', 'template', 'metadata', 'labels']);
  for (const [key, expected] of [[LEGACY_CONTROLLER_UID_LABEL, uid], [LEGACY_JOB_NAME_LABEL, name], [CONTROLLER_UID_LABEL, uid], [JOB_NAME_LABEL, name]] as const) {
    const actual = labels[key];
    if (actual === undefined) errors.push(required(labelsPath.key(key)));
    else if (actual !== expected) errors.push(invalid(labelsPath.key(key), actual, `must be '${expected}'`));
  }
  const expected = { [CONTROLLER_UID_LABEL]: uid, [JOB_NAME_LABEL]: name, [LEGACY_CONTROLLER_UID_LABEL]: uid, [LEGACY_JOB_NAME_LABEL]: name };
  const selector = spec['selector'] as V1LabelSelector;
  if (validateLabelSelector(selector, FieldPath.root('spec').child('selector')).length === 0 && !labelSelectorMatches(selector, expected)) {
    errors.push(invalid(FieldPath.root('spec').child('selector'), selectorValue(selector), '`selector` not auto-generated'));
  }
  return errors;
}

function validatePodFailurePolicy(spec: JsonObject, path: FieldPath): FieldError[] {
  const policy = record(spec['podFailurePolicy']);
  const errors: FieldError[] = [];
  const restartPolicy = record(record(record(spec['template'])['spec']))['restartPolicy'];
  if (restartPolicy !== 'Never') {
    errors.push(invalid(FieldPath.of(['spec', 'template', 'spec', 'restartPolicy']), restartPolicy ?? '', 'only "Never" is supported when podFailurePolicy is specified'));
  }
  const rules = Array.isArray(policy['rules']) ? policy['rules'] : [];
  rules.forEach((value, i) => {
    const rule = record(value);
    const rulePath = path.child('rules').index(i);
    const action = rule['action'];
    if (typeof action !== 'string' || action === '') errors.push(required(rulePath.child('action')));
    else if (!ACTIONS.includes(action)) errors.push(notSupported(rulePath.child('action'), action, ACTIONS));
    if (action === 'FailIndex' && spec['backoffLimitPerIndex'] === undefined) {
      errors.push(forbidden(rulePath.child('action'), 'requires the backoffLimitPerIndex to be set'));
    }
    const onExitCodes = isJsonObject(rule['onExitCodes']) ? rule['onExitCodes'] : undefined;
    const onConditions = Array.isArray(rule['onPodConditions']) ? rule['onPodConditions'] : undefined;
    if (onExitCodes && onConditions && onConditions.length > 0) {
      errors.push(invalid(rulePath, new GoJsonValue(rule), 'specifying both OnExitCodes and OnPodConditions is not supported'));
    } else if (!onExitCodes && (!onConditions || onConditions.length === 0)) {
      errors.push(invalid(rulePath, new GoJsonValue(rule), 'specifying one of OnExitCodes and OnPodConditions is required'));
    }
    if (onExitCodes) {
      const codesPath = rulePath.child('onExitCodes');
      const operator = onExitCodes['operator'];
      if (operator !== 'In' && operator !== 'NotIn') errors.push(notSupported(codesPath.child('operator'), operator ?? '', ['In', 'NotIn']));
      const values = Array.isArray(onExitCodes['values']) ? (onExitCodes['values'] as unknown[]) : [];
      if (values.length === 0) errors.push(required(codesPath.child('values')));
      else if (values.length > 255) errors.push({ type: 'FieldValueTooMany', field: codesPath.child('values').toString(), value: values.length, detail: 'must have at most 255 items' });
      values.forEach((code, j) => {
        if (j > 0 && typeof code === 'number' && code === values[j - 1]) errors.push({ type: 'FieldValueDuplicate', field: codesPath.child('values').index(j).toString(), value: code, detail: '' });
        else if (j > 0 && typeof code === 'number' && code < (values[j - 1] as number)) errors.push(invalid(codesPath.child('values').index(j), code, 'must be ordered'));
        if (operator === 'In' && code === 0) errors.push(invalid(codesPath.child('values').index(j), code, 'must not be 0 for the In operator'));
      });
    }
    (onConditions ?? []).forEach((pattern, j) => {
      const p = record(pattern);
      const patternPath = rulePath.child('onPodConditions').index(j);
      if (typeof p['type'] !== 'string' || p['type'] === '') errors.push(required(patternPath.child('type')));
      if (!['True', 'False', 'Unknown'].includes(String(p['status']))) errors.push(notSupported(patternPath.child('status'), p['status'] ?? '', ['True', 'False', 'Unknown']));
    });
  });
  return errors;
}

/** validateJobSpec, without the pod template (the policy engine's); `path` is `spec` or `spec.jobTemplate.spec`. */
export function validateJobSpec(spec: JsonObject, path: FieldPath, templatePath: FieldPath, checkSelector: boolean): FieldError[] {
  const errors: FieldError[] = [];
  for (const key of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished', 'backoffLimitPerIndex', 'maxFailedIndexes']) {
    errors.push(...nonNegative(spec, key, path));
  }
  const mode = spec['completionMode'];
  if (isSet(mode)) {
    if (mode !== 'NonIndexed' && mode !== 'Indexed') errors.push(notSupported(path.child('completionMode'), mode, ['NonIndexed', 'Indexed']));
    if (mode === 'Indexed') {
      if (!isSet(spec['completions'])) errors.push(required(path.child('completions'), 'when completion mode is Indexed'));
      if (typeof spec['parallelism'] === 'number' && spec['parallelism'] > MAX_PARALLELISM_INDEXED) {
        errors.push(invalid(path.child('parallelism'), spec['parallelism'], `must be less than or equal to ${MAX_PARALLELISM_INDEXED} when completion mode is Indexed`));
      }
    }
  }
  if (isSet(spec['podFailurePolicy'])) errors.push(...validatePodFailurePolicy(spec, path.child('podFailurePolicy')));
  const replacement = spec['podReplacementPolicy'];
  if (isSet(replacement)) {
    const allowed = isSet(spec['podFailurePolicy']) ? ['Failed'] : ['TerminatingOrFailed', 'Failed'];
    if (!allowed.includes(String(replacement))) errors.push(notSupported(path.child('podReplacementPolicy'), replacement, allowed));
  }
  if (checkSelector) {
    const selector = spec['selector'];
    const selectorPath = path.child('selector');
    if (!isSet(selector)) errors.push(required(selectorPath));
    else errors.push(...validateLabelSelector(selector as V1LabelSelector, selectorPath));
    const labels = record(record(record(spec['template'])['metadata'])['labels']) as Record<string, string>;
    const parses = !isSet(selector) || validateLabelSelector(selector as V1LabelSelector, selectorPath).length === 0;
    // A missing selector selects nothing, as LabelSelectorAsSelector(nil).
    if (parses && (!isSet(selector) || !labelSelectorMatches(selector as V1LabelSelector, labels))) {
      errors.push(invalid(templatePath.child('metadata', 'labels'), sortedLabels(record(record(spec['template'])['metadata'])['labels']), '`selector` does not match template `labels`'));
    }
  }
  return errors;
}

/** ValidateJob's own part: the generated selector and the spec. */
export function validateJob(job: JsonObject): FieldError[] {
  const specPath = FieldPath.root('spec');
  return [...validateGeneratedSelector(job), ...validateJobSpec(record(job['spec']), specPath, specPath.child('template'), true)];
}

// The scheduling directives a suspended Job that never started may change in its template.
const MUTABLE_WHILE_SUSPENDED = ['nodeSelector', 'affinity', 'tolerations', 'schedulingGates'];

/** ValidateJobSpecUpdate: what a Job's update may not change. */
export function validateJobUpdate(job: JsonObject, old: JsonObject): FieldError[] {
  const spec = record(job['spec']);
  const oldSpec = record(old['spec']);
  const path = FieldPath.root('spec');
  const errors: FieldError[] = [];
  const indexedScale = spec['completionMode'] === 'Indexed' && spec['completions'] === spec['parallelism'] && oldSpec['completions'] === oldSpec['parallelism'];
  if (!semanticEqual(spec['completions'], oldSpec['completions']) && !indexedScale) errors.push(invalid(path.child('completions'), spec['completions'] ?? null, 'field is immutable'));
  if (!semanticEqual(spec['selector'], oldSpec['selector'])) errors.push(invalid(path.child('selector'), selectorValue(spec['selector']), 'field is immutable'));
  const startedOrRunning = isSet(record(old['status'])['startTime']) || oldSpec['suspend'] !== true;
  const template = record(spec['template']);
  const oldTemplate = record(oldSpec['template']);
  const templateChanged = startedOrRunning ? !semanticEqual(template, oldTemplate) : !semanticEqual(withoutDirectives(template), withoutDirectives(oldTemplate));
  if (templateChanged) errors.push(invalid(path.child('template'), new GoJsonValue(template), 'field is immutable'));
  for (const key of ['completionMode', 'podFailurePolicy', 'backoffLimitPerIndex', 'manualSelector']) {
    if (!semanticEqual(spec[key], oldSpec[key])) errors.push(invalid(path.child(key), spec[key] ?? null, 'field is immutable'));
  }
  return errors;
}

function withoutDirectives(template: JsonObject): JsonObject {
  const spec = { ...record(template['spec']) };
  for (const key of MUTABLE_WHILE_SUSPENDED) delete spec[key];
  const meta = { ...record(template['metadata']) };
  delete meta['labels'];
  delete meta['annotations'];
  return { ...template, metadata: meta, spec };
}

/** validateScheduleFormat and validateTimeZone; `allowZoneInSchedule` on an update of a schedule that had one. */
function validateSchedule(spec: JsonObject, allowZoneInSchedule: boolean): FieldError[] {
  const errors: FieldError[] = [];
  const path = FieldPath.root('spec').child('schedule');
  const schedule = typeof spec['schedule'] === 'string' ? spec['schedule'] : '';
  if (schedule === '') {
    errors.push(required(path));
  } else {
    try {
      parseSchedule(schedule);
    } catch (error) {
      if (!(error instanceof ScheduleError)) throw error;
      errors.push(invalid(path, schedule, error.message));
    }
    if (schedule.includes('TZ')) {
      if (!allowZoneInSchedule) errors.push(invalid(path, schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
      else if (isSet(spec['timeZone'])) errors.push(invalid(path, schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
    }
  }
  const zone = spec['timeZone'];
  if (typeof zone === 'string') {
    const zonePath = FieldPath.root('spec').child('timeZone');
    if (zone === '') return [...errors, invalid(zonePath, zone, 'timeZone must be nil or non-empty string')];
    if (zone.split('/').some((part) => part === '.' || part === '..' || part.startsWith('-') || !/^[A-Za-z._+\-0-9]+$/.test(part))) {
      return [...errors, invalid(zonePath, zone, `unknown time zone ${zone}`)];
    }
    if (zone.toLowerCase() === 'local') errors.push(invalid(zonePath, zone, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
    // time.LoadLocation("Local") is the process's zone, not an error.
    const unknown = zone === 'Local' ? undefined : unknownTimeZone(zone);
    if (unknown) errors.push(invalid(zonePath, zone, unknown));
  }
  return errors;
}

/**
 * validateCronJobSpec's own part, without the pod template (the policy engine's) and with the
 * template's restart policy error where upstream puts it (passed in `templateErrors`).
 */
export function validateCronJob(cronJob: JsonObject, old: JsonObject | undefined, templateErrors: FieldError[]): FieldError[] {
  const spec = record(cronJob['spec']);
  const path = FieldPath.root('spec');
  const errors: FieldError[] = [];
  const meta = record(cronJob['metadata']);
  // The controller appends an 11-character suffix to its Jobs' names.
  if (typeof meta['name'] === 'string' && meta['name'].length > 52) errors.push(invalid(FieldPath.root('metadata').child('name'), meta['name'], 'must be no more than 52 characters'));
  const oldSchedule = old ? record(old['spec'])['schedule'] : undefined;
  errors.push(...validateSchedule(spec, typeof oldSchedule === 'string' && oldSchedule.includes('TZ')));
  errors.push(...nonNegative(spec, 'startingDeadlineSeconds', path));
  const policy = spec['concurrencyPolicy'];
  if (typeof policy !== 'string' || policy === '') errors.push(required(path.child('concurrencyPolicy')));
  else if (!['Allow', 'Forbid', 'Replace'].includes(policy)) errors.push(notSupported(path.child('concurrencyPolicy'), policy, ['Allow', 'Forbid', 'Replace']));
  const jobSpecPath = path.child('jobTemplate', 'spec');
  const jobSpec = record(record(spec['jobTemplate'])['spec']);
  errors.push(...validateJobSpec(jobSpec, jobSpecPath, jobSpecPath.child('template'), false), ...templateErrors);
  if (isSet(jobSpec['selector'])) errors.push(invalid(jobSpecPath.child('selector'), selectorValue(jobSpec['selector']), '`selector` will be auto-generated'));
  if (jobSpec['manualSelector'] === true) errors.push(notSupported(jobSpecPath.child('manualSelector'), true, ['nil', 'false']));
  errors.push(...nonNegative(spec, 'successfulJobsHistoryLimit', path), ...nonNegative(spec, 'failedJobsHistoryLimit', path));
  return errors;
}
