/**
 * What the API server does to an object between admission and storage on update: the generic
 * registry keeps the system metadata and the generation, the status subresource splits spec from
 * status, and the kind's PrepareForUpdate and Canonicalize run.
 */
import { applyDefaults } from './apply-defaults.js';
import { prepareDaemonSetForUpdate } from './daemonset-defaults.js';
import { copyField, ensureObject, objectAt, semanticEqual, type JsonObject } from './json.js';
import { kindRules } from './kinds.js';
import { keepNamespaceFinalizers, labelWithName } from './namespace-defaults.js';
import { preparePodForStatusUpdate } from './pod-strategy.js';
import { keepSecretReferenceNames } from './service-account-strategy.js';

/** Which endpoint the update came through: the object itself, `/status`, or a namespace's `/finalize`. */
export type UpdateSubresource = '' | 'status' | 'finalize';

/**
 * A copy of `newObject` ready to store over `oldObject` (neither is changed). Both are defaulted;
 * uid, creationTimestamp, the deletion fields and generation come from the stored object, the
 * generation bumped when the spec changed (kinds that track it). For kinds with a status
 * subresource an update of the object keeps the stored status and a `status` update keeps the
 * stored spec. Name, namespace and resourceVersion checks are the caller's.
 * @throws Error for a subresource the kind does not have
 */
export function prepareForUpdate(kindKey: string, oldObject: Record<string, unknown>, newObject: Record<string, unknown>, subresource: UpdateSubresource = ''): Record<string, unknown> {
  const rules = kindRules(kindKey);
  if ((subresource === 'status' && !rules.statusSubresource) || (subresource === 'finalize' && kindKey !== 'v1/Namespace')) {
    throw new Error(`${kindKey} has no ${subresource} subresource`);
  }
  const stored = applyDefaults(kindKey, oldObject);
  const updated = applyDefaults(kindKey, newObject);
  const storedMeta = ensureObject(stored, 'metadata');
  const metadata = ensureObject(updated, 'metadata');
  for (const field of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation']) {
    copyField(storedMeta, metadata, field);
  }
  delete metadata['selfLink'];
  if (!rules.namespaced) delete metadata['namespace'];

  if (rules.statusSubresource) copyField(stored, updated, subresource === 'status' ? 'spec' : 'status');
  if (kindKey === 'v1/Pod' && subresource === 'status') preparePodForStatusUpdate(stored, updated);
  if (kindKey === 'apps/v1/DaemonSet') prepareDaemonSetForUpdate(stored, updated, subresource === 'status');
  if (kindKey === 'v1/ServiceAccount') keepSecretReferenceNames(updated);
  if (kindKey === 'v1/Namespace') {
    if (subresource === '') keepNamespaceFinalizers(stored, updated);
    labelWithName(updated);
  }
  if (rules.generation) {
    const generation = nextGeneration(stored, updated);
    if (generation === undefined) delete metadata['generation'];
    else metadata['generation'] = generation;
  }
  return updated;
}

/** prepareForUpdate through the status subresource: the stored spec is kept, the new status taken. */
export function resetFieldsForStatusUpdate(kindKey: string, oldObject: Record<string, unknown>, newObject: Record<string, unknown>): Record<string, unknown> {
  return prepareForUpdate(kindKey, oldObject, newObject, 'status');
}

/**
 * The generation an update stores for a kind that tracks it: the stored generation, plus one when
 * the spec changed (compared as apimachinery's semantic equality: absent, null and empty alike).
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
