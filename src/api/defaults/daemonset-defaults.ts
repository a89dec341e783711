/** DaemonSet (apps/v1): its defaults, SetDefaults_DaemonSet and the pod template's. */
import { defaultPointer, ensureObject, stringAt, type JsonObject } from './json.js';
import { defaultPodTemplate } from './pod-spec-defaults.js';

// The DaemonSetStatus fields without omitempty: a DaemonSet always shows them, 0 or not.
export const DAEMONSET_STATUS_COUNTERS = ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady'];

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
  for (const counter of DAEMONSET_STATUS_COUNTERS) defaultPointer(status, counter, 0);
}
