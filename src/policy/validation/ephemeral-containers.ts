/**
 * The API server's rules for an update through `pods/ephemeralcontainers`
 * (ValidatePodEphemeralContainersUpdate): the new pod's spec is valid, ephemeral containers among
 * it included (names unique across all containers, targetContainerName naming a regular or init
 * container); each new one leaves the fields ephemeral containers may not have unset (ports,
 * resources, probes, lifecycle, ...) and uses no subPath; and existing ones are neither removed
 * nor changed.
 */
import type { V1EphemeralContainer, V1PodSpec } from '@kubernetes/client-node';
import { stringifyJson } from '../../api/json/index.js';
import { semanticEqual } from '../../api/defaults/json.js';
import { FieldPath, forbidden, type FieldError } from '../field.js';
import { validatePodSpec, type PodSpecOptions } from './pod-spec.js';

/**
 * The fields of EphemeralContainerCommon not in upstream's allowedEphemeralContainerFields, in the
 * Go struct's order (its errors come out in that order): set, each is forbidden.
 */
const NOT_ALLOWED = ['ports', 'resources', 'resizePolicy', 'restartPolicy', 'restartPolicyRules', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle'] as const;
const NOT_ALLOWED_TEXT = 'cannot be set for an Ephemeral Container';

// Go's reflect.Zero comparison, over the JSON form: absent, null, false, 0, "", [] and objects of
// zero values only are a field left unset.
function isZero(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.values(value as Record<string, unknown>).every(isZero);
  return false;
}

function allowList(container: V1EphemeralContainer, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  const fields = container as unknown as Record<string, unknown>;
  for (const key of NOT_ALLOWED) if (!isZero(fields[key])) errors.push(forbidden(path.child(key), NOT_ALLOWED_TEXT));
  (container.volumeMounts ?? []).forEach((mount, i) => {
    if (mount.subPath) errors.push(forbidden(path.child('volumeMounts').index(i).child('subPath'), NOT_ALLOWED_TEXT));
    if (mount.subPathExpr) errors.push(forbidden(path.child('volumeMounts').index(i).child('subPathExpr'), NOT_ALLOWED_TEXT));
  });
  return errors;
}

/**
 * Validates `next` (a pod's spec after an update through `pods/ephemeralcontainers`) against
 * `previous` (the stored one), as kube-apiserver does; the rest of the spec was already taken
 * from `previous`. The message of a changed container leaves out upstream's diff of its Go struct.
 */
export function validateEphemeralContainersUpdate(next: V1PodSpec, previous: V1PodSpec, options: PodSpecOptions): FieldError[] {
  const specPath = FieldPath.root('spec');
  const errors = validatePodSpec(next, specPath, { ...options, isPod: true });
  const path = specPath.child('ephemeralContainers');
  (next.ephemeralContainers ?? []).forEach((container, i) => errors.push(...allowList(container, path.index(i))));
  const byName = new Map((next.ephemeralContainers ?? []).map((c) => [c.name, c]));
  for (const old of previous.ephemeralContainers ?? []) {
    const now = byName.get(old.name);
    if (!now) errors.push(forbidden(path, `existing ephemeral containers ${stringifyJson(old.name)} may not be removed\n`));
    else if (!semanticEqual(old, now)) errors.push(forbidden(path, `existing ephemeral containers ${stringifyJson(old.name)} may not be changed\n`));
  }
  return errors;
}
