/**
 * Defaults of a PodSpec wherever it appears (a Pod, a DaemonSet's template): SetDefaults_PodSpec,
 * the container and volume defaulters, and what the v1 conversion does to every PodSpec.
 */
import { defaultContainer } from './container-defaults.js';
import {
  defaultPointer, defaultString, ensureObject, isJsonObject, objectAt, objectsAt, stringAt, type JsonObject,
} from './json.js';
import { defaultResourceList } from './quantities.js';
import { defaultVolume } from './volume-defaults.js';

const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

// Annotations of the pre-1.6 init container API: the v1 conversion drops them from pods and templates.
const INIT_CONTAINER_ANNOTATIONS = [
  'pod.beta.kubernetes.io/init-containers', 'pod.alpha.kubernetes.io/init-containers',
  'pod.beta.kubernetes.io/init-container-statuses', 'pod.alpha.kubernetes.io/init-container-statuses',
];

/** Mutates `spec` in place with the defaults every PodSpec gets. */
export function defaultPodSpec(spec: JsonObject): void {
  defaultString(spec, 'dnsPolicy', 'ClusterFirst');
  defaultString(spec, 'restartPolicy', 'Always');
  defaultPointer(spec, 'securityContext', {});
  defaultPointer(spec, 'terminationGracePeriodSeconds', DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS);
  defaultString(spec, 'schedulerName', DEFAULT_SCHEDULER_NAME);
  syncServiceAccountAlias(spec);
  for (const volume of objectsAt(spec, 'volumes')) defaultVolume(volume);
  for (const key of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const container of objectsAt(spec, key)) {
      defaultContainer(container);
      dropEmptyResourceLists(container);
    }
  }
  defaultResourceList(spec, 'overhead');
  const podResources = objectAt(spec, 'resources');
  if (podResources) {
    defaultResourceList(podResources, 'limits');
    defaultResourceList(podResources, 'requests');
  }
}

/** Drops the init container annotations from pod or template metadata, as the v1 conversion does. */
export function dropInitContainerAnnotations(metadata: JsonObject): void {
  const annotations = objectAt(metadata, 'annotations');
  if (!annotations) return;
  for (const key of INIT_CONTAINER_ANNOTATIONS) delete annotations[key];
}

/** Defaults of a PodTemplateSpec: its spec, and its metadata as the conversion leaves it. */
export function defaultPodTemplate(template: JsonObject): void {
  const metadata = objectAt(template, 'metadata');
  if (metadata) dropInitContainerAnnotations(metadata);
  defaultPodSpec(ensureObject(template, 'spec'));
}

// serviceAccount is the deprecated alias of serviceAccountName: the name wins, and the alias is
// written back from it.
function syncServiceAccountAlias(spec: JsonObject): void {
  const name = stringAt(spec, 'serviceAccountName') || stringAt(spec, 'serviceAccount') || '';
  if (name === '') {
    delete spec['serviceAccount'];
    return;
  }
  spec['serviceAccountName'] = name;
  spec['serviceAccount'] = name;
}

// Empty resource lists are nil maps after decoding, which Go omits when encoding.
function dropEmptyResourceLists(container: JsonObject): void {
  const resources = objectAt(container, 'resources');
  if (!resources) return;
  for (const key of ['limits', 'requests']) {
    const list = resources[key];
    if (isJsonObject(list) && Object.keys(list).length === 0) delete resources[key];
  }
}
