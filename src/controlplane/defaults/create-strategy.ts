/**
 * What the API server does to an object between admission and storage on create: the generic
 * registry's system metadata and generated name, then the kind's PrepareForCreate and Canonicalize.
 */
import { applyDefaults } from './apply-defaults.js';
import { prepareDaemonSetForCreate } from './daemonset-defaults.js';
import { ensureObject, stringAt } from './json.js';
import { kindRules } from './kinds.js';
import { formatTimestamp, generateName, generateNameSuffix, newUID } from './names.js';
import { labelWithName, prepareNamespaceForCreate } from './namespace-defaults.js';
import { preparePodForCreate } from './pod-strategy.js';
import { keepSecretReferenceNames } from './service-account-strategy.js';

/** Fixed random parts, for reproducible objects (tests); both are random by default. */
export interface CreateIdentity {
  uid?: string;
  nameSuffix?: string;
}

/**
 * A copy of `object` ready to store as a new object: defaulted; uid, creationTimestamp (from
 * `now`) and, for kinds that track it, generation 1 set; a name generated from generateName when
 * there is no name; deletion fields, selfLink and resourceVersion (the store sets it) cleared; a
 * cluster-scoped object's namespace removed; then the kind's create-time status and mutations.
 * The caller sets metadata.namespace from the request path beforehand.
 */
export function prepareForCreate(kindKey: string, object: Record<string, unknown>, now: Date = new Date(), identity: CreateIdentity = {}): Record<string, unknown> {
  const created = applyDefaults(kindKey, object);
  const rules = kindRules(kindKey);
  const metadata = ensureObject(created, 'metadata');
  for (const field of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink', 'resourceVersion']) {
    delete metadata[field];
  }
  const prefix = stringAt(metadata, 'generateName');
  if (!stringAt(metadata, 'name') && prefix) metadata['name'] = generateName(prefix, identity.nameSuffix ?? generateNameSuffix());
  if (!rules.namespaced) delete metadata['namespace'];
  const timestamp = formatTimestamp(now);
  metadata['creationTimestamp'] = timestamp;
  metadata['uid'] = identity.uid ?? newUID();
  if (rules.generation) metadata['generation'] = 1;

  if (kindKey === 'v1/Pod') preparePodForCreate(created, timestamp);
  else if (kindKey === 'apps/v1/DaemonSet') prepareDaemonSetForCreate(created);
  else if (kindKey === 'v1/ServiceAccount') keepSecretReferenceNames(created);
  else if (kindKey === 'v1/Namespace') {
    prepareNamespaceForCreate(created);
    labelWithName(created);
  }
  return created;
}
