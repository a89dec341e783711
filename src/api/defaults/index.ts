/**
 * API-server defaulting of the built-in kinds the control plane serves (SetDefaults_<Kind>, run on
 * every decoded object), and the helpers over stored JSON it is written with. Pure functions over
 * plain JSON objects; each resource's definition names its defaulting function, and lint
 * defaults the objects it validates with `defaultPodKind`.
 */
export { defaultDaemonSet, DAEMONSET_STATUS_COUNTERS } from './daemonset-defaults.js';
export { defaultEvent } from './event-defaults.js';
export { defaultLease } from './lease-defaults.js';
export { defaultNamespace, labelWithName, NAMESPACE_NAME_LABEL } from './namespace-defaults.js';
export { defaultNode } from './node-defaults.js';
export { defaultPod } from './pod-defaults.js';
export { defaultPodKind } from './pod-kind-defaults.js';
export { defaultSecret } from './secret-defaults.js';
export { defaultImagePullPolicy, parseImageReference, type ImageReference } from './image-pull-policy.js';
export { podQOSClass, type PodQOSClass } from './pod-qos.js';
export { aggregateContainerResources } from './pod-resources.js';
export { canonicalQuantity, exactQuantity, roundedQuantity } from './quantities.js';
export { copyField, ensureObject, isJsonObject, objectAt, semanticEqual, stringAt, type JsonObject } from './json.js';
