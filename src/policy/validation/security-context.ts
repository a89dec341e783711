/**
 * A container's securityContext (ValidateSecurityContext): privileged under --allow-privileged,
 * user and group IDs, procMount, seccomp, the combinations allowPrivilegeEscalation=false rules
 * out, windowsOptions and AppArmor.
 */
import type { V1SecurityContext } from '@kubernetes/client-node';
import { forbidden, invalid, notSupported, pointerValue, type FieldError, type FieldPath } from '../field.js';
import { securityContextValue } from './internal-types.js';
import { validateAppArmorProfile, validateSeccompProfile } from './profiles.js';
import { validateWindowsOptions } from './windows-options.js';

const MAX_ID = 2147483647;
const PROC_MOUNTS = ['Default', 'Unmasked'];
const isSet = (value: unknown): boolean => value !== undefined && value !== null;

/** apimachinery's IsValidUserID and IsValidGroupID: 0 to 2^31-1. */
export function validateId(value: number, path: FieldPath): FieldError[] {
  return value >= 0 && value <= MAX_ID ? [] : [invalid(path, value, `must be between 0 and ${MAX_ID}, inclusive`)];
}

export interface SecurityContextOptions {
  /** kube-apiserver's --allow-privileged. */
  allowPrivileged: boolean;
  /** The pod's spec.hostUsers, true unless set false. */
  hostUsers: boolean;
}

export function validateSecurityContext(sc: V1SecurityContext | undefined | null, path: FieldPath, options: SecurityContextOptions): FieldError[] {
  if (!sc) return [];
  const errors: FieldError[] = [];
  if (sc.privileged === true && !options.allowPrivileged) errors.push(forbidden(path.child('privileged'), 'disallowed by cluster policy'));
  if (isSet(sc.runAsUser)) errors.push(...validateId(sc.runAsUser!, path.child('runAsUser')));
  if (isSet(sc.runAsGroup)) errors.push(...validateId(sc.runAsGroup!, path.child('runAsGroup')));
  if (isSet(sc.procMount)) {
    if (!PROC_MOUNTS.includes(sc.procMount!)) errors.push(notSupported(path.child('procMount'), sc.procMount, PROC_MOUNTS));
    if (options.hostUsers && sc.procMount === 'Unmasked') {
      errors.push(invalid(path.child('procMount'), pointerValue(sc.procMount), '`hostUsers` must be false to use `Unmasked`'));
    }
  }
  errors.push(...validateSeccompProfile(sc.seccompProfile, path.child('seccompProfile')));
  if (sc.allowPrivilegeEscalation === false) {
    if (sc.privileged === true) {
      errors.push(invalid(path, securityContextValue(sc), 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
    }
    for (const capability of sc.capabilities?.add ?? []) {
      if (capability === 'CAP_SYS_ADMIN') {
        errors.push(invalid(path, securityContextValue(sc), 'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN'));
      }
    }
  }
  errors.push(...validateWindowsOptions(sc.windowsOptions, path.child('windowsOptions')));
  errors.push(...validateAppArmorProfile(sc.appArmorProfile, path.child('appArmorProfile')));
  return errors;
}
