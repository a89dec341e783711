/**
 * What the API server does to an object between admission and storage on update: the generic
 * registry keeps the system metadata and the generation (BeforeUpdate), the status subresource
 * splits spec from status, and the resource's own PrepareForUpdate and Canonicalize run.
 */
import { applyDefaults } from './apply-defaults.js';
import { copyField, ensureObject, objectAt, semanticEqual, type JsonObject } from '../../api/defaults/json.js';
import { hasSubresource, kindKey, type ResourceDefinition } from '../resources/definition.js';

/** Which endpoint the update came through: the object itself, `/status`, a namespace's `/finalize`, or a pod's `/ephemeralcontainers`. */
export type UpdateSubresource = '' | 'status' | 'finalize' | 'ephemeralcontainers';

/**
 * A copy of `newObject` ready to store over `oldObject` (neither is changed). Both are defaulted;
 * uid, creationTimestamp, the deletion fields and generation come from the stored object, the
 * generation bumped when the spec changed (resources that track it). For resources with a status
 * subresource an update of the object keeps the stored status and a `status` update keeps the
 * stored spec. Name, namespace and resourceVersion checks are the caller's. With `ownedNew` (the
 * caller's own copy of the new object, sharing nothing with the stored one or anyone else)
 * `newObject` itself is prepared and returned, not a copy.
 * @throws Error for a subresource the resource does not have
 */
export function prepareForUpdate(definition: ResourceDefinition, oldObject: Record<string, unknown>, newObject: Record<string, unknown>, subresource: UpdateSubresource = '', ownedNew = false): Record<string, unknown> {
  const statusSubresource = hasSubresource(definition, 'status');
  if (subresource !== '' && !hasSubresource(definition, subresource)) {
    throw new Error(`${kindKey(definition)} has no ${subresource} subresource`);
  }
  const stored = applyDefaults(definition, oldObject);
  const updated = applyDefaults(definition, newObject, { inPlace: ownedNew });
  const storedMeta = ensureObject(stored, 'metadata');
  const metadata = ensureObject(updated, 'metadata');
  for (const field of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation']) {
    copyField(storedMeta, metadata, field);
  }
  delete metadata['selfLink'];
  if (!definition.namespaced) delete metadata['namespace'];

  if (statusSubresource) copyField(stored, updated, subresource === 'status' ? 'spec' : 'status');
  definition.prepareForUpdate?.(stored, updated, subresource);
  if (definition.generation === true) {
    const generation = nextGeneration(stored, updated);
    if (generation === undefined) delete metadata['generation'];
    else metadata['generation'] = generation;
  }
  return updated;
}

/** prepareForUpdate through the status subresource: the stored spec is kept, the new status taken. */
export function resetFieldsForStatusUpdate(definition: ResourceDefinition, oldObject: Record<string, unknown>, newObject: Record<string, unknown>): Record<string, unknown> {
  return prepareForUpdate(definition, oldObject, newObject, 'status');
}

/**
 * The generation an update stores for a resource that tracks it: the stored generation, plus one
 * when the spec changed (compared as apimachinery's semantic equality: absent, null and empty alike).
 */
export function nextGeneration(oldObject: Record<string, unknown>, newObject: Record<string, unknown>): number | undefined {
  const stored = generationOf(oldObject);
  if (semanticEqual(oldObject['spec'], newObject['spec'])) return stored;
  return (stored ?? 0) + 1;
}

function generationOf(object: JsonObject): number | undefined {
  const generation = objectAt(object, 'metadata')?.['generation'];
  return typeof generation === 'number' ? generation : undefined;
}
