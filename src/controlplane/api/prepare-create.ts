/**
 * What the API server does to an object between admission and storage on create: the generic
 * registry's system metadata and generated name (BeforeCreate), then the resource's own
 * PrepareForCreate and Canonicalize.
 */
import { applyDefaults } from './apply-defaults.js';
import { ensureObject, stringAt } from '../../api/defaults/json.js';
import { formatTimestamp, generateName, generateNameSuffix, newUID } from './names.js';
import type { ResourceDefinition } from '../resources/definition.js';

/** Fixed random parts, for reproducible objects (tests); both are random by default. */
export interface CreateIdentity {
  uid?: string;
  nameSuffix?: string;
}

/**
 * A copy of `object` ready to store as a new object of `definition`'s resource: defaulted; uid,
 * creationTimestamp (from `now`) and, for resources that track it, generation 1 set; a name
 * generated from generateName when there is no name; deletion fields, selfLink and
 * resourceVersion (the store sets it) cleared; a cluster-scoped object's namespace removed; then
 * the resource's create-time status and mutations. The caller sets metadata.namespace from the
 * request path beforehand. With `owned` (the caller's own copy, shared with no one) `object`
 * itself is prepared and returned, not a copy.
 */
export function prepareForCreate(definition: ResourceDefinition, object: Record<string, unknown>, now: Date = new Date(), identity: CreateIdentity = {}, owned = false): Record<string, unknown> {
  const created = applyDefaults(definition, object, { inPlace: owned });
  const metadata = ensureObject(created, 'metadata');
  for (const field of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink', 'resourceVersion']) {
    delete metadata[field];
  }
  const prefix = stringAt(metadata, 'generateName');
  if (!stringAt(metadata, 'name') && prefix) metadata['name'] = generateName(prefix, identity.nameSuffix ?? generateNameSuffix());
  if (!definition.namespaced) delete metadata['namespace'];
  const timestamp = formatTimestamp(now);
  metadata['creationTimestamp'] = timestamp;
  metadata['uid'] = identity.uid ?? newUID();
  if (definition.generation === true) metadata['generation'] = 1;
  definition.prepareForCreate?.(created, timestamp);
  return created;
}
