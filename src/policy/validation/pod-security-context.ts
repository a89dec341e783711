/**
 * A pod's securityContext (validatePodSpecSecurityContext) and its sysctls (validateSysctls).
 * The API server's internal pod keeps hostNetwork, hostPID and hostIPC in the pod security
 * context, which conversion always creates: these rules apply whether or not the pod sets one.
 */
import type { V1PodSpec } from '@kubernetes/client-node';
import { duplicate, invalid, notSupported, pointerValue, required, type FieldError, type FieldPath } from '../field.js';
import { validateAppArmorProfile, validateSeccompProfile } from './profiles.js';
import { validateId } from './security-context.js';
import { validateWindowsOptions } from './windows-options.js';

const SYSCTL_SEGMENT = '[a-z0-9]([-_a-z0-9]*[a-z0-9])?';
const SYSCTL_NAME = `(${SYSCTL_SEGMENT}[\\./])*${SYSCTL_SEGMENT}`;
const SYSCTL_NAME_RE = new RegExp(`^${SYSCTL_NAME}$`);
const SYSCTL_MAX_LENGTH = 253;
const FS_GROUP_CHANGE_POLICIES = ['Always', 'OnRootMismatch'];
const SUPPLEMENTAL_GROUPS_POLICIES = ['Merge', 'Strict'];

// The IPC sysctls by name, and the namespaces of prefixes (component-helpers' sysctl package).
const IPC_SYSCTLS = new Set([
  'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced', 'kernel.shm',
  'kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.msg',
]);

/** `net/ipv4/conf/eno2.100/rp_filter` as `net.ipv4.conf.eno2/100.rp_filter` (NormalizeName). */
function normalizeSysctl(name: string): string {
  const first = name.search(/[./]/);
  if (first === -1 || name[first] === '.') return name;
  return name.replace(/[./]/g, (c) => (c === '.' ? '/' : '.'));
}

/** The kernel namespace a sysctl belongs to: Net, IPC or none. */
export function sysctlNamespace(name: string): 'Net' | 'IPC' | undefined {
  let normalized = normalizeSysctl(name);
  const star = normalized.indexOf('*');
  if (star !== -1) normalized = normalized.slice(0, star);
  if (IPC_SYSCTLS.has(normalized)) return 'IPC';
  if (normalized.startsWith('net.')) return 'Net';
  if (normalized.startsWith('fs.mqueue.')) return 'IPC';
  return undefined;
}

function validateSysctls(spec: V1PodSpec, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  const names = new Set<string>();
  (spec.securityContext?.sysctls ?? []).forEach((sysctl, i) => {
    const p = path.index(i).child('name');
    const name = sysctl.name ?? '';
    if (name === '') errors.push(required(p));
    else if (name.length > SYSCTL_MAX_LENGTH || !SYSCTL_NAME_RE.test(name)) {
      errors.push(invalid(p, name, `must have at most ${SYSCTL_MAX_LENGTH} characters and match regex ^${SYSCTL_NAME}$`));
    } else if (names.has(name)) errors.push(duplicate(p, name));
    // Namespaced sysctls would change the host's own when the pod shares its namespace.
    const namespace = sysctlNamespace(name);
    if (spec.hostNetwork === true && namespace === 'Net') errors.push(invalid(p, name, "may not be specified when 'hostNetwork' is true"));
    else if (spec.hostIPC === true && namespace === 'IPC') errors.push(invalid(p, name, "may not be specified when 'hostIPC' is true"));
    names.add(name);
  });
  return errors;
}

/** Validates `spec.securityContext` of the pod spec found at `specPath`. */
export function validatePodSecurityContext(spec: V1PodSpec, specPath: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  const path = specPath.child('securityContext');
  const sc = spec.securityContext ?? {};
  if (typeof sc.fsGroup === 'number') errors.push(...validateId(sc.fsGroup, path.child('fsGroup')));
  if (typeof sc.runAsUser === 'number') errors.push(...validateId(sc.runAsUser, path.child('runAsUser')));
  if (typeof sc.runAsGroup === 'number') errors.push(...validateId(sc.runAsGroup, path.child('runAsGroup')));
  (sc.supplementalGroups ?? []).forEach((gid, i) => errors.push(...validateId(gid, path.child('supplementalGroups').index(i))));
  if (spec.shareProcessNamespace === true && spec.hostPID === true) {
    errors.push(invalid(path.child('shareProcessNamespace'), true, 'ShareProcessNamespace and HostPID cannot both be enabled'));
  }
  if ((sc.sysctls ?? []).length > 0) errors.push(...validateSysctls(spec, path.child('sysctls')));
  if (typeof sc.fsGroupChangePolicy === 'string' && !FS_GROUP_CHANGE_POLICIES.includes(sc.fsGroupChangePolicy)) {
    errors.push(notSupported(path.child('fsGroupChangePolicy'), pointerValue(sc.fsGroupChangePolicy), FS_GROUP_CHANGE_POLICIES));
  }
  errors.push(...validateSeccompProfile(sc.seccompProfile, path.child('seccompProfile')));
  errors.push(...validateWindowsOptions(sc.windowsOptions, path.child('windowsOptions')));
  errors.push(...validateAppArmorProfile(sc.appArmorProfile, path.child('appArmorProfile')));
  if (typeof sc.supplementalGroupsPolicy === 'string' && !SUPPLEMENTAL_GROUPS_POLICIES.includes(sc.supplementalGroupsPolicy)) {
    errors.push(notSupported(path.child('supplementalGroupsPolicy'), pointerValue(sc.supplementalGroupsPolicy), SUPPLEMENTAL_GROUPS_POLICIES));
  }
  return errors;
}
