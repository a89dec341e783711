/**
 * Seccomp and AppArmor profiles, as fields (validateSeccompProfileField,
 * ValidateAppArmorProfileField) and as the deprecated annotations' values (ValidateSeccompProfile),
 * with the relative-path rules a localhost profile follows.
 */
import type { V1AppArmorProfile, V1SeccompProfile } from '@kubernetes/client-node';
import { invalid, notSupported, pointerValue, required, tooLong, type FieldError, type FieldPath } from '../field.js';
import { seccompProfileValue } from './internal-types.js';

const SECCOMP_TYPES = ['Localhost', 'RuntimeDefault', 'Unconfined'];
const APPARMOR_TYPES = ['Localhost', 'RuntimeDefault', 'Unconfined'];
const MAX_LOCALHOST_PROFILE_BYTES = 4095; // PATH_MAX - 1

const isSet = (value: unknown): boolean => value !== undefined && value !== null;

/** A path below the profile root: not absolute, no `..` (validateLocalDescendingPath). */
export function validateLocalDescendingPath(target: string, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  if (target.startsWith('/')) errors.push(invalid(path, target, 'must be a relative path'));
  // One error is enough, even for ../../..
  if (target.split('/').includes('..')) errors.push(invalid(path, target, "must not contain '..'"));
  return errors;
}

/** A seccompProfile field (pod or container). */
export function validateSeccompProfile(profile: V1SeccompProfile | undefined | null, path: FieldPath): FieldError[] {
  if (!profile) return [];
  const errors: FieldError[] = [];
  const type = profile.type ?? '';
  if (type === '') errors.push(required(path.child('type'), 'type is required when seccompProfile is set'));
  else if (!SECCOMP_TYPES.includes(type)) errors.push(notSupported(path.child('type'), type, SECCOMP_TYPES));
  if (type === 'Localhost') {
    if (!isSet(profile.localhostProfile)) errors.push(required(path.child('localhostProfile'), 'must be set when seccomp type is Localhost'));
    else errors.push(...validateLocalDescendingPath(profile.localhostProfile!, path.child('localhostProfile')));
  } else if (isSet(profile.localhostProfile)) {
    errors.push(invalid(path.child('localhostProfile'), seccompProfileValue(profile), 'can only be set when seccomp type is Localhost'));
  }
  return errors;
}

/** An appArmorProfile field (pod or container). */
export function validateAppArmorProfile(profile: V1AppArmorProfile | undefined | null, path: FieldPath): FieldError[] {
  if (!profile) return [];
  const errors: FieldError[] = [];
  const type = profile.type ?? '';
  const localhost = profile.localhostProfile;
  switch (type) {
    case 'Localhost':
      if (!isSet(localhost)) {
        errors.push(required(path.child('localhostProfile'), 'must be set when AppArmor type is Localhost'));
        break;
      }
      if (localhost!.trim() !== localhost) errors.push(invalid(path.child('localhostProfile'), localhost, 'must not be padded with whitespace'));
      else if (localhost === '') errors.push(required(path.child('localhostProfile'), 'must be set when AppArmor type is Localhost'));
      if (Buffer.byteLength(localhost!) > MAX_LOCALHOST_PROFILE_BYTES) {
        errors.push(tooLong(path.child('localhostProfile'), MAX_LOCALHOST_PROFILE_BYTES));
      }
      break;
    case 'RuntimeDefault':
    case 'Unconfined':
      if (isSet(localhost)) errors.push(invalid(path.child('localhostProfile'), pointerValue(localhost), 'can only be set when AppArmor type is Localhost'));
      break;
    case '':
      errors.push(required(path.child('type'), 'type is required when appArmorProfile is set'));
      break;
    default:
      errors.push(notSupported(path.child('type'), type, APPARMOR_TYPES));
  }
  return errors;
}

/** The value of a deprecated seccomp annotation (ValidateSeccompProfile). */
export function validateSeccompAnnotation(value: string, path: FieldPath): FieldError[] {
  if (value === 'runtime/default' || value === 'docker/default' || value === 'unconfined') return [];
  if (value.startsWith('localhost/')) return validateLocalDescendingPath(value.slice('localhost/'.length), path);
  return [invalid(path, value, 'must be a valid seccomp profile')];
}
