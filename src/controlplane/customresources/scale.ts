/**
 * A custom resource's scale subresource: the autoscaling/v1 Scale its specReplicasPath,
 * statusReplicasPath and labelSelectorPath describe, and the custom resource a Scale's
 * spec.replicas makes, as kube-apiserver's scale subresource for custom resources reads and
 * writes them (`kubectl scale`).
 */
import { FieldPath, invalid } from '../../policy/field.js';
import { cloneJson, type JsonObject } from '../../api/defaults/json.js';
import { parseJsonPath, readJsonPath } from './json-path.js';
import type { ScaleSpec } from './custom-resource.js';
import { isPlainObject } from './structural-schema.js';

/** The Scale of a custom resource. */
export function scaleOf(object: JsonObject, spec: ScaleSpec): JsonObject {
  const metadata = isPlainObject(object['metadata']) ? object['metadata'] : {};
  const replicas = readJsonPath(object, spec.specReplicasPath)[0];
  const statusReplicas = readJsonPath(object, spec.statusReplicasPath)[0];
  const selector = spec.labelSelectorPath ? readJsonPath(object, spec.labelSelectorPath)[0] : undefined;
  const kept = Object.fromEntries(['name', 'namespace', 'uid', 'resourceVersion', 'creationTimestamp'].filter((k) => metadata[k] !== undefined).map((k) => [k, metadata[k]]));
  return {
    kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: kept,
    spec: typeof replicas === 'number' ? { replicas } : {},
    status: { replicas: typeof statusReplicas === 'number' ? statusReplicas : 0, ...(typeof selector === 'string' && selector !== '' ? { selector } : {}) },
  };
}

/**
 * The custom resource with the Scale's spec.replicas at specReplicasPath (and the Scale's
 * resourceVersion as its precondition).
 * @returns the field errors of the Scale instead when its replicas are not a count
 */
export function scaledObject(object: JsonObject, scale: JsonObject, spec: ScaleSpec): JsonObject | ReturnType<typeof invalid>[] {
  const replicas = isPlainObject(scale['spec']) ? scale['spec']['replicas'] : undefined;
  if (replicas !== undefined && (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)) {
    return [invalid(FieldPath.of(['spec', 'replicas']), replicas, 'must be greater than or equal to 0')];
  }
  const updated = cloneJson(object);
  const steps = parseJsonPath(spec.specReplicasPath) ?? [];
  let at: JsonObject = updated;
  steps.forEach((step, i) => {
    const key = typeof step === 'object' ? '0' : String(step);
    if (i === steps.length - 1) at[key] = replicas ?? 0;
    else {
      if (!isPlainObject(at[key])) at[key] = {};
      at = at[key] as JsonObject;
    }
  });
  const version = isPlainObject(scale['metadata']) ? scale['metadata']['resourceVersion'] : undefined;
  const metadata = { ...(isPlainObject(updated['metadata']) ? updated['metadata'] : {}) };
  if (typeof version === 'string' && version !== '') metadata['resourceVersion'] = version;
  else delete metadata['resourceVersion'];
  updated['metadata'] = metadata;
  return updated;
}
