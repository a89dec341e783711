/**
 * API validation of pods and pod-creating workloads: what kube-apiserver checks when the object is
 * created, with its messages and field paths.
 */
import type { V1ObjectMeta, V1PodSpec } from '@kubernetes/client-node';
import type { PodKind } from '../../api/kinds.js';
import { FieldPath, forbidden, invalid, type FieldError } from '../field.js';
import { validateLabels, validateObjectMeta, podNameWarning } from './metadata.js';
import { validatePodSpec, type PodSpecOptions } from './pod-spec.js';
import { validateWorkload } from './workload.js';

export { effectiveHostProcess, isHostProcessPod, validateHostProcess } from './host-process.js';
export { validateRunAsUserName, validateWindowsOptions } from './windows-options.js';
export { validatePodOS } from './pod-os.js';
export { validatePodSpec } from './pod-spec.js';

export type ValidationOptions = PodSpecOptions;

export interface ValidationResult {
  errors: FieldError[];
  /** Warnings the API server would send back with a successful create. */
  warnings: string[];
}

/** Validates an object of a pod-creating kind as the API server would on create. */
export function validateObject(info: PodKind, object: Record<string, unknown>, options: ValidationOptions): ValidationResult {
  const errors: FieldError[] = [];
  const warnings: string[] = [];
  const metadata = object['metadata'] as V1ObjectMeta | undefined;
  errors.push(...validateObjectMeta(metadata, FieldPath.root('metadata')));

  if (info.templatePath.length === 0) {
    const spec = (object['spec'] ?? {}) as V1PodSpec;
    const specPath = FieldPath.root('spec');
    errors.push(...validatePodSpec(spec, specPath, options));
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
    const warning = podNameWarning(metadata);
    if (warning) warnings.push(warning);
    return { errors, warnings };
  }

  const templatePath = FieldPath.of(info.templatePath);
  const template = dig(object, info.templatePath);
  errors.push(...validateWorkload(info.kind, object, template, templatePath));
  if (template) {
    const templateMeta = template['metadata'] as V1ObjectMeta | undefined;
    errors.push(...validateLabels(templateMeta?.labels, templatePath.child('metadata', 'labels')));
    const spec = (template['spec'] ?? {}) as V1PodSpec;
    const specPath = templatePath.child('spec');
    errors.push(...validatePodSpec(spec, specPath, options));
    if (spec.ephemeralContainers && spec.ephemeralContainers.length > 0) {
      errors.push(forbidden(specPath.child('ephemeralContainers'), 'ephemeral containers not allowed in pod template'));
    }
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
