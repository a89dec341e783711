/**
 * `spec.os`: its name must be linux or windows; a linux pod may not set windowsOptions, and a
 * windows pod may not set the Linux-only fields (validateOS, validateLinux, validateWindows).
 */
import type { V1PodSpec } from '@kubernetes/client-node';
import { visitContainers } from '../containers.js';
import { forbidden, notSupported, required, type FieldError, type FieldPath } from '../field.js';

const SUPPORTED_OS = ['linux', 'windows'];
const LINUX_MESSAGE = 'windows options cannot be set for a linux pod';
const WINDOWS_MESSAGE = 'cannot be set for a windows pod';

const isSet = (value: unknown): boolean => value !== undefined && value !== null;

/** Validates `spec.os` and the fields it rules out; runs last, as in ValidatePodSpec. */
export function validatePodOS(spec: V1PodSpec, path: FieldPath): FieldError[] {
  if (!isSet(spec.os)) return [];
  const name = spec.os?.name ?? '';
  if (name === '') return [required(path.child('os', 'name'))];
  if (!SUPPORTED_OS.includes(name)) return [notSupported(path.child('os'), name, SUPPORTED_OS)];
  return name === 'linux' ? validateLinux(spec, path) : validateWindows(spec, path);
}

function validateLinux(spec: V1PodSpec, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  if (isSet(spec.securityContext?.windowsOptions)) {
    errors.push(forbidden(path.child('securityContext', 'windowsOptions'), LINUX_MESSAGE));
  }
  for (const { container, path: c } of visitContainers(spec, path)) {
    if (isSet(container.securityContext?.windowsOptions)) errors.push(forbidden(c.child('securityContext', 'windowsOptions'), LINUX_MESSAGE));
  }
  return errors;
}

function validateWindows(spec: V1PodSpec, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  // The internal pod type keeps host namespaces in the pod security context, which conversion
  // always creates, so every pod-level field is checked whether or not securityContext is set.
  const sc = spec.securityContext ?? {};
  const podFields: Array<[boolean, FieldPath]> = [
    [isSet(sc.appArmorProfile), path.child('securityContext', 'appArmorProfile')],
    [isSet(sc.seLinuxOptions), path.child('securityContext', 'seLinuxOptions')],
    [isSet(spec.hostUsers), path.child('hostUsers')],
    [spec.hostPID === true, path.child('hostPID')],
    [spec.hostIPC === true, path.child('hostIPC')],
    [isSet(sc.seccompProfile), path.child('securityContext', 'seccompProfile')],
    [isSet(sc.fsGroup), path.child('securityContext', 'fsGroup')],
    [isSet(sc.fsGroupChangePolicy), path.child('securityContext', 'fsGroupChangePolicy')],
    [(sc.sysctls ?? []).length > 0, path.child('securityContext', 'sysctls')],
    [isSet(spec.shareProcessNamespace), path.child('shareProcessNamespace')],
    [isSet(sc.runAsUser), path.child('securityContext', 'runAsUser')],
    [isSet(sc.runAsGroup), path.child('securityContext', 'runAsGroup')],
    [isSet(sc.supplementalGroups), path.child('securityContext', 'supplementalGroups')],
    [isSet(sc.supplementalGroupsPolicy), path.child('securityContext', 'supplementalGroupsPolicy')],
    [isSet(sc.seLinuxChangePolicy), path.child('securityContext', 'seLinuxChangePolicy')],
  ];
  for (const [set, p] of podFields) if (set) errors.push(forbidden(p, WINDOWS_MESSAGE));

  for (const { container, path: c } of visitContainers(spec, path)) {
    const csc = container.securityContext;
    if (!csc) continue;
    const s = c.child('securityContext');
    const fields: Array<[unknown, string]> = [
      [csc.appArmorProfile, 'appArmorProfile'], [csc.seLinuxOptions, 'seLinuxOptions'], [csc.seccompProfile, 'seccompProfile'],
      [csc.capabilities, 'capabilities'], [csc.readOnlyRootFilesystem, 'readOnlyRootFilesystem'], [csc.privileged, 'privileged'],
      [csc.allowPrivilegeEscalation, 'allowPrivilegeEscalation'], [csc.procMount, 'procMount'], [csc.runAsUser, 'runAsUser'],
      [csc.runAsGroup, 'runAsGroup'],
    ];
    for (const [value, name] of fields) if (isSet(value)) errors.push(forbidden(s.child(name), WINDOWS_MESSAGE));
  }
  return errors;
}
