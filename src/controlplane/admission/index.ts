/**
 * The admission plugins of a default cluster that hostpod runs: ServiceAccount, Priority and
 * DefaultTolerationSeconds (mutating, pods), TaintNodesByCondition (nodes), NodeRestriction
 * (requests from nodes) and PodSecurity with the policy engine's validation of workloads.
 */
export {
  admitDefaultTolerations, admitPodCreate, admitPodPriority, admitPodUpdate, admitServiceAccount, keepPodPriority,
  serviceAccountTokenVolume, DEFAULT_SERVICE_ACCOUNT, DEFAULT_TOLERATION_SECONDS, MIRROR_POD_ANNOTATION,
  SERVICE_ACCOUNT_MOUNT_PATH, SERVICE_ACCOUNT_TOKEN_EXPIRATION_SECONDS, SERVICE_ACCOUNT_VOLUME_PREFIX,
  SYSTEM_PRIORITY_CLASSES, type AdmissionResult, type PodAdmissionContext,
} from './pod-admission.js';
export { admitNodeTaints } from './node-taints.js';
export { admitNodeRequest, admitNodeTokenRequest, type BoundObjectRef, type NodeRequest, type Operation } from './node-restriction.js';
export { admitPodSecurity, existingPodsWarnings, podSecurityInNamespace, validateAndAdmitCreate, validateNamespaceLabels, validateWorkload } from './pod-security.js';
