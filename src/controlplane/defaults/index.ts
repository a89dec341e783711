/**
 * API-server defaulting for the built-in kinds the control plane serves: the defaulting functions
 * run on every decoded object, the registry strategies' create and update preparation, and the
 * default cluster's mutating admission of pods and nodes. Pure functions over plain JSON objects.
 */
export { applyDefaults } from './apply-defaults.js';
export { prepareForCreate, type CreateIdentity } from './create-strategy.js';
export { nextGeneration, prepareForUpdate, resetFieldsForStatusUpdate, type UpdateSubresource } from './update-strategy.js';
export { kindKeyOf, kindRules, knownKindKeys, splitKindKey, type KindRules } from './kinds.js';
export { formatTimestamp, generateName, generateNameSuffix, newUID } from './names.js';
export { defaultImagePullPolicy, parseImageReference, type ImageReference } from './image-pull-policy.js';
export { podQOSClass, type PodQOSClass } from './pod-qos.js';
export { aggregateContainerResources } from './pod-resources.js';
export { canonicalQuantity, roundedQuantity } from './quantities.js';
export { semanticEqual } from './json.js';
export { TEMPLATE_GENERATION_ANNOTATION } from './daemonset-defaults.js';
export { KUBERNETES_FINALIZER, NAMESPACE_NAME_LABEL } from './namespace-defaults.js';
export { admitNodeTaints } from './node-defaults.js';
export {
  admitDefaultTolerations, admitPodCreate, admitPodPriority, admitPodUpdate, admitServiceAccount, keepPodPriority,
  serviceAccountTokenVolume, DEFAULT_SERVICE_ACCOUNT, DEFAULT_TOLERATION_SECONDS, MIRROR_POD_ANNOTATION,
  SERVICE_ACCOUNT_MOUNT_PATH, SERVICE_ACCOUNT_TOKEN_EXPIRATION_SECONDS, SERVICE_ACCOUNT_VOLUME_PREFIX,
  SYSTEM_PRIORITY_CLASSES, type AdmissionResult, type PodAdmissionContext,
} from './pod-admission-defaults.js';
