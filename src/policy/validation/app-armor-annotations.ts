/**
 * The deprecated per-container AppArmor annotations: the profile field each stands for
 * (ApparmorFieldForAnnotation), and the deprecation warning for an annotation whose container
 * has no field. A Pod's create copies such annotations to fields (applyAppArmorVersionSkew) and
 * warns about each it copied or could not; a template only warns, unless the pod's own profile
 * already says the same. The control plane's create and lint both sync a pod this way before
 * validating it and judging it.
 */
import type { V1AppArmorProfile, V1Container, V1EphemeralContainer, V1ObjectMeta, V1PodSpec } from '@kubernetes/client-node';
import { visitContainers } from '../containers.js';
import { FieldPath } from '../field.js';
import { validateAppArmorProfile } from './profiles.js';
import { APPARMOR_ANNOTATION_PREFIX } from './security-annotations.js';

const DEPRECATED = 'deprecated since v1.30; use the "appArmorProfile" field instead';

/** The profile an annotation value stands for, or undefined for one it cannot. */
export function appArmorProfileForAnnotation(annotation: string): V1AppArmorProfile | undefined {
  if (annotation === 'unconfined') return { type: 'Unconfined' };
  if (annotation === 'runtime/default') return { type: 'RuntimeDefault' };
  if (annotation.startsWith('localhost/') && annotation.length > 'localhost/'.length) {
    return { type: 'Localhost', localhostProfile: annotation.slice('localhost/'.length) };
  }
  return undefined;
}

/** apimachinery's semantic equality of two profiles (unset and absent alike). */
export function sameAppArmorProfile(a: V1AppArmorProfile | undefined | null, b: V1AppArmorProfile | undefined | null): boolean {
  if (!a || !b) return !a && !b;
  return a.type === b.type && (a.localhostProfile ?? undefined) === (b.localhostProfile ?? undefined);
}

/**
 * The deprecation warning for `container`'s annotation, if it has one and no field: for a Pod,
 * when its create copies the annotation or cannot; for a template, unless the pod's profile is
 * the one the annotation names.
 */
export function appArmorAnnotationWarnings(meta: V1ObjectMeta, spec: V1PodSpec, container: V1Container | V1EphemeralContainer, annotationsPath: FieldPath, kind: 'pod' | 'template'): string[] {
  const key = `${APPARMOR_ANNOTATION_PREFIX}${container.name}`;
  const annotation = meta.annotations?.[key];
  if (annotation === undefined || container.securityContext?.appArmorProfile) return [];
  const podProfile = spec.securityContext?.appArmorProfile;
  let profile = appArmorProfileForAnnotation(annotation);
  if (kind === 'pod' && profile && validateAppArmorProfile(profile, FieldPath.root('')).length > 0) profile = undefined;
  const warn = kind === 'pod' ? !profile || !sameAppArmorProfile(profile, podProfile) : !podProfile || !sameAppArmorProfile(podProfile, profile);
  return warn ? [`${annotationsPath.key(key).toString()}: ${DEPRECATED}`] : [];
}

/**
 * What a Pod's create does with its AppArmor annotations (applyAppArmorVersionSkew): each
 * container without a profile field gets the one its annotation names, unless that is invalid or
 * the pod's own profile; `pod` is changed in place. Returns the deprecation warnings, which the
 * API server sends back even when the create then fails. Windows pods are left alone.
 */
export function syncAppArmorAnnotations(pod: { metadata?: V1ObjectMeta; spec?: V1PodSpec }): string[] {
  const meta = pod.metadata ?? {};
  const spec = pod.spec;
  if (!spec || spec.os?.name === 'windows') return [];
  const annotations = FieldPath.root('metadata').child('annotations');
  const warnings: string[] = [];
  for (const { container } of visitContainers(spec, FieldPath.root('spec'))) {
    const warning = appArmorAnnotationWarnings(meta, spec, container, annotations, 'pod');
    const annotation = meta.annotations?.[`${APPARMOR_ANNOTATION_PREFIX}${container.name}`];
    const profile = annotation === undefined || container.securityContext?.appArmorProfile ? undefined : appArmorProfileForAnnotation(annotation);
    if (profile && validateAppArmorProfile(profile, FieldPath.root('')).length === 0 && !sameAppArmorProfile(profile, spec.securityContext?.appArmorProfile)) {
      container.securityContext = { ...container.securityContext, appArmorProfile: profile };
    }
    warnings.push(...warning);
  }
  return warnings;
}
