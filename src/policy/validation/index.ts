/**
 * API validation of pods and pod-creating workloads: what kube-apiserver checks when the object is
 * created, with its messages and field paths.
 */
import type { V1ObjectMeta, V1PodSpec } from '@kubernetes/client-node';
import type { PodKind } from '../../api/kinds.js';
import { FieldPath, forbidden, invalid, type FieldError } from '../field.js';
import { validateAnnotations, validateLabels, validateObjectMeta, podNameWarning, workloadNameWarning } from './metadata.js';
import { podWarnings } from './warnings.js';
import { validateSecurityAnnotations, validateSecurityAnnotationsMatchFields } from './security-annotations.js';
import { validatePodSpec, type PodSpecOptions } from './pod-spec.js';
import { validateWorkload } from './workload.js';

export { syncAppArmorAnnotations } from './app-armor-annotations.js';
export { effectiveHostProcess, isHostProcessPod, validateHostProcess } from './host-process.js';
export { validateRunAsUserName, validateWindowsOptions } from './windows-options.js';
export { validatePodOS } from './pod-os.js';
export { validatePodSpec } from './pod-spec.js';
export { validateEphemeralContainersUpdate } from './ephemeral-containers.js';

export type ValidationOptions = PodSpecOptions;

export interface ValidationResult {
  errors: FieldError[];
  /** Warnings the API server would send back with a successful create. */
  warnings: string[];
}

// The kinds whose pods are named after them warn about names that are not DNS labels.
const WORKLOAD_NAME_WARNING = new Set(['Deployment', 'Job']);

/**
 * Validates an object of a pod-creating kind as the API server would on create: the object as
 * defaulted (src/api/defaults), with the warnings an accepted create gets.
 */
export function validateObject(info: PodKind, object: Record<string, unknown>, options: ValidationOptions): ValidationResult {
  const errors: FieldError[] = [];
  const warnings: string[] = [];
  const metadata = object['metadata'] as V1ObjectMeta | undefined;
  errors.push(...validateObjectMeta(metadata, FieldPath.root('metadata')));

  if (info.templatePath.length === 0) {
    const spec = (object['spec'] ?? {}) as V1PodSpec;
    const specPath = FieldPath.root('spec');
    const annotations = metadata?.annotations ?? {};
    errors.push(...validateSecurityAnnotations(annotations, spec, FieldPath.root('metadata').child('annotations')));
    errors.push(...validatePodSpec(spec, specPath, { ...options, isPod: true, podName: metadata?.name ?? '' }));
    // Only on create: ephemeral containers are added later through their own subresource.
    if (spec.ephemeralContainers && spec.ephemeralContainers.length > 0) {
      errors.push(forbidden(specPath.child('ephemeralContainers'), 'cannot be set on create'));
    }
    for (const type of ['containers', 'initContainers'] as const) {
      (spec[type] ?? []).forEach((c, i) => {
        if (typeof c.image === 'string' && c.image !== c.image.trim()) {
          errors.push(invalid(specPath.child(type).index(i).child('image'), c.image, 'must not have leading or trailing whitespace'));
        }
      });
    }
    errors.push(...validateSecurityAnnotationsMatchFields(annotations, spec, specPath));
    const warning = podNameWarning(metadata);
    if (warning) warnings.push(warning);
    warnings.push(...podWarnings(metadata ?? {}, spec, []));
    return { errors, warnings };
  }

  const templatePath = FieldPath.of(info.templatePath);
  const template = dig(object, info.templatePath);
  const workload = validateWorkload(info.kind, object, template, templatePath);
  errors.push(...workload.before);
  if (template && !workload.skipTemplate) {
    const templateMeta = template['metadata'] as V1ObjectMeta | undefined;
    const annotations = templateMeta?.annotations ?? {};
    const spec = (template['spec'] ?? {}) as V1PodSpec;
    const specPath = templatePath.child('spec');
    // ValidatePodTemplateSpec names the template's labels and annotations without `metadata`.
    errors.push(...validateLabels(templateMeta?.labels, templatePath.child('labels')));
    errors.push(...validateAnnotations(annotations, templatePath.child('annotations')));
    errors.push(...validateSecurityAnnotations(annotations, spec, templatePath.child('annotations')));
    errors.push(...validatePodSpec(spec, specPath, { ...options, isPod: false }));
    errors.push(...validateSecurityAnnotationsMatchFields(annotations, spec, specPath));
    if (spec.ephemeralContainers && spec.ephemeralContainers.length > 0) {
      errors.push(forbidden(specPath.child('ephemeralContainers'), 'ephemeral containers not allowed in pod template'));
    }
    errors.push(...workload.after);
    const warning = WORKLOAD_NAME_WARNING.has(info.kind) ? workloadNameWarning(metadata) : undefined;
    if (warning) warnings.push(warning);
    warnings.push(...podWarnings(templateMeta ?? {}, spec, info.templatePath));
  }
  return { errors, warnings };
}

/** The value at `path` in `object` when it is an object, else undefined. */
export function dig(object: Record<string, unknown>, path: readonly string[]): Record<string, unknown> | undefined {
  let current: unknown = object;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return typeof current === 'object' && current !== null && !Array.isArray(current) ? (current as Record<string, unknown>) : undefined;
}
