/**
 * Who owns which field of an object, kept in its managedFields as kube-apiserver's field manager
 * keeps them: every create, update and patch is an `Update` by its manager, which takes the
 * fields it changed from the others; an apply (`application/apply-patch+yaml`) is an `Apply`: its
 * configuration is merged in by the type's schema, the fields its manager applied before and no
 * longer applies are removed unless someone else owns them, and a field it would change that
 * another manager owns is a conflict unless forced.
 */
import { cloneJson } from '../../api/defaults/json.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../patch/json-value.js';
import { FieldSet, iteratePaths, withoutPrefixes, type FieldPath } from './field-set.js';
import { resolveType, type FieldType, type FieldTypes } from './field-types.js';
import { decodeManagedFields, encodeManagedFields, isResetManagedFields, managerKey, type Managed, type ManagerEntry } from './managed-fields.js';
import { fieldElement } from './path-element.js';
import { mergeObjects, removeFields } from './merge.js';
import { compareObjects, fieldSetOf } from './typed-value.js';

type Obj = JsonObject;

/** What a write is, for the field manager. */
export interface FieldWrite {
  types: FieldTypes;
  manager: string;
  /** The request's group/version: `v1`, `apps/v1`. */
  apiVersion: string;
  /** `status` or `scale` for a write through that subresource, else ''. */
  subresource: string;
  /** RFC 3339 time of the write. */
  now: string;
  /** Fields the write cannot change and nobody gains by it (the status of the main resource, the spec through `status`). */
  ignored: readonly FieldPath[];
}

/** A manager that owns a field another manager's apply would change. */
export interface Conflict {
  entry: ManagerEntry;
  path: string[];
}

/** The fields an apply may not change without `force`. */
export class ApplyConflicts extends Error {
  constructor(readonly conflicts: Conflict[]) {
    super(`${conflicts.length} conflicts`);
  }
}

/** The metadata nobody owns (upstream's stripMeta): the object's identity and what the server sets. */
const STRIPPED: FieldPath[] = [
  ['f:apiVersion'], ['f:kind'], ['f:metadata'], ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'].map((f) => ['f:metadata', fieldElement(f)]),
];

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const BEFORE_FIRST_APPLY = 'before-first-apply';
/** The manager whose applies keep kubectl's last-applied annotation, as upstream's (kubectl apply --server-side's default). */
const KUBECTL = 'kubectl';

function strip(set: FieldSet): FieldSet {
  const out = set.copy();
  for (const path of STRIPPED) {
    const parent = path.length === 1 ? out : out.children.get(path[0]!);
    parent?.members.delete(path[path.length - 1]!);
  }
  return out;
}

/** The object without its managedFields. */
export function withoutManagedFields(object: Obj): Obj {
  const metadata = object['metadata'];
  if (!isJsonObject(metadata) || !('managedFields' in metadata)) return object;
  const rest = { ...metadata };
  delete rest['managedFields'];
  return { ...object, metadata: rest };
}

function withManaged(object: Obj, managed: Managed): Obj {
  const out = withoutManagedFields(object);
  const entries = encodeManagedFields(managed);
  if (entries.length === 0) return out;
  const metadata = isJsonObject(out['metadata']) ? out['metadata'] : {};
  return { ...out, metadata: { ...metadata, managedFields: entries as unknown as JsonValue } };
}

function managedOf(object: Obj | undefined): Managed {
  const metadata = object?.['metadata'];
  try {
    return decodeManagedFields(isJsonObject(metadata) ? metadata['managedFields'] : undefined);
  } catch {
    return new Map();
  }
}

/** Go's zero value of the root type as it encodes, what a create is compared with. */
function zeroObject(types: FieldTypes): Obj {
  const zero = (type: FieldType): Obj => {
    const out: Obj = {};
    if (type.kind !== 'struct' || !type.zero) return out;
    for (const [name, what] of Object.entries(type.zero)) {
      out[name] = what === 'struct' ? zero(resolveType(types, type.fields[name]!)) : null;
    }
    return out;
  };
  return zero(resolveType(types, types.root));
}

/**
 * A manager's fields without those a write changed or removed: `set` itself when it has none of
 * them (a set read from a stored object then keeps its stored encoding, see `encodeManagedFields`).
 */
function withoutTaken(set: FieldSet, changed: FieldSet, removed: FieldSet): FieldSet {
  return set.sharesMember(changed) || set.sharesMember(removed) ? set.difference(changed).difference(removed) : set;
}

/**
 * The managers after an Update of `live` into `next` by `manager` (upstream's Updater.Update
 * behind its managedFieldsUpdater): the fields it added or changed become its own and no one
 * else's, removed fields are no one's; its entry's time is the write's when it took any field.
 */
function updateManaged(write: FieldWrite, managed: Managed, live: Obj, next: Obj, manager: string): Managed {
  const compare = compareObjects(write.types, write.types.root, live, next, write.ignored);
  const added = withoutPrefixes(compare.added, write.ignored);
  const modified = withoutPrefixes(compare.modified, write.ignored);
  const removed = withoutPrefixes(compare.removed, write.ignored);
  const changed = modified.isEmpty() ? added : added.union(modified);
  const out: Managed = new Map();
  for (const [key, entry] of managed) {
    const set = withoutTaken(entry.set, changed, removed);
    if (!set.isEmpty()) out.set(key, { ...entry, set });
  }
  const taken = strip(changed);
  if (taken.isEmpty()) return out;
  // kube-apiserver 1.36 records a write through /scale without a time (its managedFields go through
  // the Scale object and back); `kubectl scale deployment` shows so.
  const time = write.subresource === 'scale' ? {} : { time: write.now };
  const entry: ManagerEntry = { manager, operation: 'Update', apiVersion: write.apiVersion, subresource: write.subresource, ...time, set: taken };
  const key = managerKey(entry);
  const previous = out.get(key);
  out.set(key, previous ? { ...entry, set: previous.set.union(taken) } : entry);
  return out;
}

/**
 * `next` with the managedFields a create (`live` undefined) or an update by `write.manager`
 * leaves: the request's own managedFields when it sets valid ones (`[]` or `[{}]` empties
 * them), the live object's otherwise. An update of an object that has none records none, as
 * upstream does. An object the field types cannot describe is returned without managedFields.
 */
export function recordUpdate(write: FieldWrite, liveObject: Record<string, unknown> | undefined, nextObject: Record<string, unknown>): Record<string, unknown> {
  const live = liveObject as Obj | undefined;
  const next = nextObject as Obj;
  let managed: Managed;
  const requested = isJsonObject(next['metadata']) ? next['metadata']['managedFields'] : undefined;
  if (write.subresource !== '') managed = managedOf(live);
  else if (isResetManagedFields(requested)) managed = new Map();
  else {
    managed = managedOf(next);
    if (managed.size === 0) managed = managedOf(live);
  }
  const object = withoutManagedFields(next);
  if (live !== undefined && managed.size === 0) return object;
  try {
    const before = live === undefined ? zeroObject(write.types) : withoutManagedFields(live);
    return withManaged(object, updateManaged(write, managed, before, object, write.manager));
  } catch {
    // As upstream's UpdateNoErrors: an object its type cannot describe (a list-map item without
    // its key) loses its managedFields and goes on, so that validation answers it (422), not this.
    return object;
  }
}

/** The outcome of an apply: the object to store, and whether anything but its managedFields changed. */
export interface Applied {
  object: Record<string, unknown>;
  changed: boolean;
}

/**
 * Applies `config` by `write.manager` to `live` (undefined: the object does not exist yet).
 * @throws ApplyConflicts when another manager owns a field the apply changes and `force` is false
 */
export function applyConfig(write: FieldWrite, current: Record<string, unknown> | undefined, config: Record<string, unknown>, force: boolean): Applied {
  const live = current as Obj | undefined;
  const liveObject = live === undefined ? {} : withoutManagedFields(live);
  let managed = managedOf(live);
  if (live !== undefined && managed.size === 0) {
    // An object nobody manages yet: what it has is owned by "before-first-apply", as upstream.
    managed = updateManaged({ ...write, subresource: '' }, managed, zeroObject(write.types), liveObject, BEFORE_FIRST_APPLY);
  }
  try {
    return applyManaged(write, managed, liveObject, config as Obj, force);
  } catch (error) {
    if (!(error instanceof ApplyConflicts) || write.manager !== KUBECTL || force || live === undefined) throw error;
    // kubectl's server-side apply may take over what its client-side apply set (the fields of
    // the last-applied annotation), as upstream's lastAppliedManager allows.
    const allowed = lastAppliedFields(write, liveObject);
    const remaining = error.conflicts.filter((c) => !allowed.has(c.path));
    if (remaining.length > 0) throw new ApplyConflicts(remaining);
    return applyManaged(write, managed, liveObject, config as Obj, true);
  }
}

function applyManaged(write: FieldWrite, managed: Managed, live: Obj, config: Obj, force: boolean): Applied {
  const { types } = write;
  const key = managerKey({ manager: write.manager, operation: 'Apply', apiVersion: write.apiVersion, subresource: write.subresource });
  const last = managed.get(key);
  const applied = withoutPrefixes(strip(fieldSetOf(types, types.root, config)), write.ignored);
  const entries: Managed = new Map(managed);
  entries.set(key, { manager: write.manager, operation: 'Apply', apiVersion: write.apiVersion, subresource: write.subresource, ...(last?.time ? { time: last.time } : {}), set: applied });

  let merged = mergeObjects(types, types.root, live, config) as Obj;
  if (last && !last.set.isEmpty()) {
    // Fields this manager applied before and applies no more go, unless someone owns them (or something under them).
    let owned = new FieldSet();
    for (const entry of entries.values()) owned = owned.union(entry.set);
    const remove = new FieldSet();
    for (const path of last.set.difference(owned).paths()) if (!owned.hasBelow(path)) remove.insert(path);
    merged = removeFields(types, types.root, merged, remove) as Obj;
  }

  // The whole object, the fields the write ignores too: any change counts for the entry's time
  // and the write's need (a stale status in an exported manifest re-applied), as upstream's
  // managedFieldsUpdater compares the live and merged objects whole.
  const compare = compareObjects(types, types.root, live, merged);
  const changed = withoutPrefixes(compare.added.union(compare.modified), write.ignored);
  const removed = withoutPrefixes(compare.removed, write.ignored);
  const conflicts: Conflict[] = [];
  for (const [other, entry] of entries) {
    if (other === key) continue;
    for (const path of iteratePaths(entry.set.intersection(changed))) conflicts.push({ entry, path });
  }
  if (conflicts.length > 0 && !force) throw new ApplyConflicts(conflicts);
  const out: Managed = new Map();
  for (const [other, entry] of entries) {
    const set = other === key ? entry.set : withoutTaken(entry.set, changed, removed);
    if (!set.isEmpty()) out.set(other, { ...entry, set });
  }
  const objectChanged = !compare.added.isEmpty() || !compare.modified.isEmpty() || !compare.removed.isEmpty();
  const mine = out.get(key);
  if (mine && objectChanged) out.set(key, { ...mine, time: write.now });
  let object = merged;
  if (write.manager === KUBECTL) object = keepLastApplied(object, config);
  return { object: withManaged(object, out), changed: objectChanged };
}

/** The fields kubectl's last-applied annotation sets: conflicts on them do not stop kubectl's server-side apply. */
function lastAppliedFields(write: FieldWrite, live: Obj): FieldSet {
  const annotation = annotationsOf(live)?.[LAST_APPLIED];
  if (typeof annotation !== 'string') return new FieldSet();
  try {
    const parsed: unknown = JSON.parse(annotation);
    return isJsonObject(parsed) ? fieldSetOf(write.types, write.types.root, parsed) : new FieldSet();
  } catch {
    return new FieldSet();
  }
}

/**
 * kubectl's server-side apply keeps its client-side last-applied annotation, when the object has
 * one, as the applied configuration (upstream's lastAppliedUpdater), so that a later client-side
 * apply computes its patch from it.
 */
function keepLastApplied(object: Obj, config: Obj): Obj {
  const annotations = annotationsOf(object);
  if (!annotations || typeof annotations[LAST_APPLIED] !== 'string') return object;
  const configCopy = cloneJson(config);
  const metadata = isJsonObject(configCopy['metadata']) ? configCopy['metadata'] : undefined;
  const configAnnotations = metadata && isJsonObject(metadata['annotations']) ? metadata['annotations'] : undefined;
  if (metadata && configAnnotations) {
    delete configAnnotations[LAST_APPLIED];
    if (Object.keys(configAnnotations).length === 0) delete metadata['annotations'];
  }
  const lastApplied = `${JSON.stringify(sortedKeys(configCopy))}\n`;
  const metadataOut = object['metadata'] as Obj;
  return { ...object, metadata: { ...metadataOut, annotations: { ...annotations, [LAST_APPLIED]: lastApplied } } };
}

function annotationsOf(object: Obj): Obj | undefined {
  const metadata = object['metadata'];
  return isJsonObject(metadata) && isJsonObject(metadata['annotations']) ? metadata['annotations'] : undefined;
}

/** A JSON value with its maps' keys sorted, as Go encodes a map. */
function sortedKeys(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (!isJsonObject(value)) return value;
  const out: Obj = {};
  for (const key of Object.keys(value).sort()) out[key] = sortedKeys(value[key]!);
  return out;
}
