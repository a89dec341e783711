/**
 * The defaults the API server gives an object of a pod-creating kind before validating it: a
 * Pod's (SetDefaults_Pod: host network ports, requests from limits, and its spec's), or a
 * workload's pod template's; and for a Job what its create adds (the generated selector and the
 * labels it selects). What `hostpod lint` validates and judges, as the API server does.
 */
import type { PodKind } from '../kinds.js';
import { defaultDaemonSet } from './daemonset-defaults.js';
import { cloneJson, ensureObject, isJsonObject, type JsonObject } from './json.js';
import { defaultPod } from './pod-defaults.js';
import { defaultPodTemplate } from './pod-spec-defaults.js';

/** A defaulted copy of `object`, a `kind` object; the input is not changed. */
export function defaultPodKind(kind: PodKind, object: JsonObject): JsonObject {
  const copy = cloneJson(object);
  if (kind.kind === 'Pod') {
    defaultPod(copy);
    return copy;
  }
  if (kind.kind === 'DaemonSet') {
    defaultDaemonSet(copy);
    return copy;
  }
  // Of other workloads only the pod template's defaults matter to validation and Pod Security.
  let template: unknown = copy;
  for (const key of kind.templatePath) template = isJsonObject(template) ? template[key] : undefined;
  if (isJsonObject(template)) defaultPodTemplate(template);
  if (kind.kind === 'Job' && isJsonObject(template)) prepareJob(copy, template);
  return copy;
}

/** Stands for the uid the API server gives the Job: a valid label value, as any uid is. */
const JOB_UID = '00000000-0000-0000-0000-000000000000';

/**
 * A Job's create (SetDefaults_Job, then generateSelector): a Job without labels takes its
 * template's, and the template is labelled with the Job's name and uid, which the generated
 * selector selects. In Go the Job's labels are the template's very map, so the Job gets the
 * generated labels too: an invalid Job name is reported as an invalid label value of both.
 */
function prepareJob(job: JsonObject, template: JsonObject): void {
  const metadata = ensureObject(job, 'metadata');
  const templateMeta = ensureObject(template, 'metadata');
  const labels = isJsonObject(templateMeta['labels']) ? templateMeta['labels'] : undefined;
  if (labels && (!isJsonObject(metadata['labels']) || Object.keys(metadata['labels']).length === 0)) metadata['labels'] = labels;
  const spec = ensureObject(job, 'spec');
  if (spec['manualSelector'] === true) return;
  const templateLabels = ensureObject(templateMeta, 'labels');
  const name = typeof metadata['name'] === 'string' ? metadata['name'] : '';
  for (const [key, value] of [['job-name', name], ['batch.kubernetes.io/job-name', name], ['controller-uid', JOB_UID], ['batch.kubernetes.io/controller-uid', JOB_UID]]) {
    if (!(key! in templateLabels)) templateLabels[key!] = value;
  }
  const selector = ensureObject(spec, 'selector');
  const matchLabels = ensureObject(selector, 'matchLabels');
  if (!('batch.kubernetes.io/controller-uid' in matchLabels)) matchLabels['batch.kubernetes.io/controller-uid'] = JOB_UID;
}
