/**
 * DaemonSet (apps/v1): its defaults (SetDefaults_DaemonSet and the pod template's), and the
 * registry strategy's template generation, which apps/v1 carries in an annotation.
 */
import { defaultPointer, ensureObject, objectAt, semanticEqual, stringAt, type JsonObject } from './json.js';
import { defaultPodTemplate } from './pod-spec-defaults.js';

/** The annotation that carries the internal spec.templateGeneration in apps/v1. */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

// The DaemonSetStatus fields without omitempty: a DaemonSet always shows them, 0 or not.
const STATUS_COUNTERS = ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady'];

/** Mutates `daemonSet` in place with the API server's defaults. */
export function defaultDaemonSet(daemonSet: JsonObject): void {
  const spec = ensureObject(daemonSet, 'spec');
  const strategy = ensureObject(spec, 'updateStrategy');
  if (!stringAt(strategy, 'type')) strategy['type'] = 'RollingUpdate';
  if (strategy['type'] === 'RollingUpdate') {
    const rollingUpdate = ensureObject(strategy, 'rollingUpdate');
    defaultPointer(rollingUpdate, 'maxUnavailable', 1);
    defaultPointer(rollingUpdate, 'maxSurge', 0);
  }
  defaultPointer(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplate(ensureObject(spec, 'template'));
  const status = ensureObject(daemonSet, 'status');
  for (const counter of STATUS_COUNTERS) defaultPointer(status, counter, 0);
}

/** PrepareForCreate of a DaemonSet: an empty status and template generation 1 (or the one given, if higher). */
export function prepareDaemonSetForCreate(daemonSet: JsonObject): void {
  daemonSet['status'] = Object.fromEntries(STATUS_COUNTERS.map((counter) => [counter, 0]));
  setTemplateGeneration(daemonSet, Math.max(templateGeneration(daemonSet), 1));
}

/**
 * PrepareForUpdate of a DaemonSet or of `daemonsets/status`: the template generation is the
 * stored one, plus one when an update of the DaemonSet changes the pod template.
 */
export function prepareDaemonSetForUpdate(oldDaemonSet: JsonObject, newDaemonSet: JsonObject, statusUpdate: boolean): void {
  const stored = templateGeneration(oldDaemonSet);
  const templateChanged = !statusUpdate && !semanticEqual(templateOf(oldDaemonSet), templateOf(newDaemonSet));
  setTemplateGeneration(newDaemonSet, templateChanged ? stored + 1 : stored);
}

function templateOf(daemonSet: JsonObject): unknown {
  return objectAt(daemonSet, 'spec')?.['template'];
}

function templateGeneration(daemonSet: JsonObject): number {
  const value = stringAt(objectAt(objectAt(daemonSet, 'metadata') ?? {}, 'annotations') ?? {}, TEMPLATE_GENERATION_ANNOTATION);
  const parsed = value !== undefined && /^-?[0-9]+$/.test(value) ? Number(value) : 0;
  return Number.isSafeInteger(parsed) ? parsed : 0;
}

function setTemplateGeneration(daemonSet: JsonObject, generation: number): void {
  ensureObject(ensureObject(daemonSet, 'metadata'), 'annotations')[TEMPLATE_GENERATION_ANNOTATION] = String(generation);
}
