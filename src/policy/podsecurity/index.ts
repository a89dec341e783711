/**
 * Pod Security Standards: the checks of pod-security-admission, one per file, and the registry
 * and admission that apply them.
 */
import { allowPrivilegeEscalation } from './checks/allow-privilege-escalation.js';
import { appArmorProfile } from './checks/app-armor-profile.js';
import { capabilitiesBaseline } from './checks/capabilities-baseline.js';
import { capabilitiesRestricted } from './checks/capabilities-restricted.js';
import { hostNamespaces } from './checks/host-namespaces.js';
import { hostPathVolumes } from './checks/host-path-volumes.js';
import { hostPorts } from './checks/host-ports.js';
import { hostProbesAndHostLifecycle } from './checks/host-probes-and-host-lifecycle.js';
import { privileged } from './checks/privileged.js';
import { procMount } from './checks/proc-mount.js';
import { procMountRestricted } from './checks/proc-mount-restricted.js';
import { restrictedVolumes } from './checks/restricted-volumes.js';
import { runAsNonRoot } from './checks/run-as-non-root.js';
import { runAsUser } from './checks/run-as-user.js';
import { seLinuxOptions } from './checks/se-linux-options.js';
import { seccompProfileBaseline } from './checks/seccomp-profile-baseline.js';
import { seccompProfileRestricted } from './checks/seccomp-profile-restricted.js';
import { sysctls } from './checks/sysctls.js';
import { windowsHostProcess } from './checks/windows-host-process.js';
import type { Check } from './check.js';
import { CheckRegistry } from './registry.js';

/** Every check of the Pod Security Standards, baseline and restricted. */
export const DEFAULT_CHECKS: readonly Check[] = [
  appArmorProfile, capabilitiesBaseline, hostNamespaces, hostPathVolumes, hostPorts, hostProbesAndHostLifecycle,
  privileged, procMount, seLinuxOptions, seccompProfileBaseline, sysctls, windowsHostProcess,
  allowPrivilegeEscalation, capabilitiesRestricted, procMountRestricted, restrictedVolumes, runAsNonRoot, runAsUser,
  seccompProfileRestricted,
];

/** The registry of DEFAULT_CHECKS, built once. */
export const defaultRegistry = new CheckRegistry(DEFAULT_CHECKS);

export { CheckRegistry, aggregate, forbiddenDetail, type AggregateResult } from './registry.js';
export { admit, evaluateLevel, NO_EXEMPTIONS, type AdmissionDecision, type AdmissionRequest, type Exemptions } from './admission.js';
export { policyFromLabels, DEFAULT_POLICY, LABEL_PREFIX, type NamespacePolicy } from './namespace-policy.js';
export { existingPodWarnings, type ExistingPod } from './existing-pods.js';
export {
  formatLevelVersion, formatVersion, LATEST, parseLevel, parseLevelVersion, parseVersion, v1,
  type Level, type LevelVersion, type Version,
} from './level.js';
export type { Check, CheckResult } from './check.js';
