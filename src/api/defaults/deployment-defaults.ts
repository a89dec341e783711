/** Deployment and ReplicaSet (apps/v1): SetDefaults_Deployment, SetDefaults_ReplicaSet and their pod templates'. */
import { defaultPointer, ensureObject, stringAt, type JsonObject } from './json.js';
import { defaultPodTemplate } from './pod-spec-defaults.js';

/** Mutates `deployment` in place with the API server's defaults: 1 replica, RollingUpdate 25%/25%, 10 revisions, 600 s. */
export function defaultDeployment(deployment: JsonObject): void {
  const spec = ensureObject(deployment, 'spec');
  defaultPointer(spec, 'replicas', 1);
  const strategy = ensureObject(spec, 'strategy');
  if (!stringAt(strategy, 'type')) strategy['type'] = 'RollingUpdate';
  if (strategy['type'] === 'RollingUpdate') {
    const rollingUpdate = ensureObject(strategy, 'rollingUpdate');
    defaultPointer(rollingUpdate, 'maxUnavailable', '25%');
    defaultPointer(rollingUpdate, 'maxSurge', '25%');
  }
  defaultPointer(spec, 'revisionHistoryLimit', 10);
  defaultPointer(spec, 'progressDeadlineSeconds', 600);
  defaultPodTemplate(ensureObject(spec, 'template'));
}

/** Mutates `replicaSet` in place with the API server's defaults: 1 replica. */
export function defaultReplicaSet(replicaSet: JsonObject): void {
  const spec = ensureObject(replicaSet, 'spec');
  defaultPointer(spec, 'replicas', 1);
  defaultPodTemplate(ensureObject(spec, 'template'));
  // ReplicaSetStatus.replicas has no omitempty: a ReplicaSet always shows it.
  defaultPointer(ensureObject(replicaSet, 'status'), 'replicas', 0);
}
