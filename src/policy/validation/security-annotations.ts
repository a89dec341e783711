/**
 * The deprecated seccomp and AppArmor annotations of a pod or template: their values
 * (ValidateSeccompPodAnnotations, ValidateAppArmorPodAnnotations), and, where a field is set
 * too, that annotation and field agree (validateSeccompAnnotationsAndFields,
 * validateAppArmorAnnotationsAndFieldsMatchOnCreate).
 */
import type { V1AppArmorProfile, V1PodSpec, V1SeccompProfile } from '@kubernetes/client-node';
import { visitContainers } from '../containers.js';
import { forbidden, invalid, type FieldError, type FieldPath } from '../field.js';
import { goQuote } from '../field.js';
import { validateSeccompAnnotation } from './profiles.js';

export const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
export const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';
export const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

type Annotations = Readonly<Record<string, string>>;

/** The annotations' own values; `path` is the annotations' (`metadata.annotations`). */
export function validateSecurityAnnotations(annotations: Annotations, spec: V1PodSpec, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  // Upstream names seccomp annotations as child fields, not map keys.
  const pod = annotations[SECCOMP_POD_ANNOTATION];
  if (pod !== undefined) errors.push(...validateSeccompAnnotation(pod, path.child(SECCOMP_POD_ANNOTATION)));
  for (const [key, value] of Object.entries(annotations)) {
    if (key.startsWith(SECCOMP_CONTAINER_ANNOTATION_PREFIX)) errors.push(...validateSeccompAnnotation(value, path.child(key)));
  }
  const names = new Set(visitContainers(spec, path).map((c) => c.container.name));
  for (const [key, value] of Object.entries(annotations)) {
    if (!key.startsWith(APPARMOR_ANNOTATION_PREFIX)) continue;
    const container = key.slice(APPARMOR_ANNOTATION_PREFIX.length);
    if (!names.has(container)) errors.push(invalid(path.key(key), container, 'container not found'));
    if (value !== '' && value !== 'runtime/default' && value !== 'unconfined' && !value.startsWith('localhost/')) {
      errors.push(invalid(path.key(key), value, `invalid AppArmor profile name: ${goQuote(value)}`));
    }
  }
  return errors;
}

function seccompMismatch(annotation: string, profile: V1SeccompProfile, path: FieldPath): FieldError | undefined {
  switch (profile.type) {
    case 'Unconfined':
      return annotation === 'unconfined' ? undefined : forbidden(path.child('type'), 'seccomp type in annotation and field must match');
    case 'RuntimeDefault':
      return annotation === 'runtime/default' || annotation === 'docker/default'
        ? undefined : forbidden(path.child('type'), 'seccomp type in annotation and field must match');
    case 'Localhost':
      if (!annotation.startsWith('localhost/')) return forbidden(path.child('type'), 'seccomp type in annotation and field must match');
      return annotation.slice('localhost/'.length) === profile.localhostProfile
        ? undefined : forbidden(path.child('localhostProfile'), 'seccomp profile in annotation and field must match');
    default:
      return undefined;
  }
}

function appArmorMismatch(annotation: string, profile: V1AppArmorProfile, path: FieldPath): FieldError | undefined {
  switch (profile.type) {
    case 'Unconfined':
      return annotation === 'unconfined' ? undefined : forbidden(path.child('type'), 'apparmor type in annotation and field must match');
    case 'RuntimeDefault':
      return annotation === 'runtime/default' ? undefined : forbidden(path.child('type'), 'apparmor type in annotation and field must match');
    case 'Localhost':
      if (!annotation.startsWith('localhost/')) return forbidden(path.child('type'), 'apparmor type in annotation and field must match');
      return annotation.slice('localhost/'.length) === profile.localhostProfile
        ? undefined : forbidden(path.child('localhostProfile'), 'apparmor profile in annotation and field must match');
    default:
      return undefined;
  }
}

/** Annotations and fields that disagree; `specPath` is the pod spec's. */
export function validateSecurityAnnotationsMatchFields(annotations: Annotations, spec: V1PodSpec, specPath: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  const podSeccomp = spec.securityContext?.seccompProfile;
  const podAnnotation = annotations[SECCOMP_POD_ANNOTATION];
  if (podSeccomp && podAnnotation !== undefined) {
    const error = seccompMismatch(podAnnotation, podSeccomp, specPath.child('securityContext', 'seccompProfile'));
    if (error) errors.push(error);
  }
  for (const { container, path } of visitContainers(spec, specPath)) {
    const profile = container.securityContext?.seccompProfile;
    const annotation = annotations[`${SECCOMP_CONTAINER_ANNOTATION_PREFIX}${container.name}`];
    if (!profile || annotation === undefined) continue;
    const error = seccompMismatch(annotation, profile, path.child('securityContext', 'seccompProfile'));
    if (error) errors.push(error);
  }
  // Windows pods have no AppArmor: their annotations are not compared.
  if (spec.os?.name === 'windows') return errors;
  for (const { container, path } of visitContainers(spec, specPath)) {
    const profile = container.securityContext?.appArmorProfile ?? spec.securityContext?.appArmorProfile;
    const annotation = annotations[`${APPARMOR_ANNOTATION_PREFIX}${container.name}`];
    if (!profile || annotation === undefined) continue;
    const error = appArmorMismatch(annotation, profile, path.child('securityContext', 'appArmorProfile'));
    if (error) errors.push(error);
  }
  return errors;
}
