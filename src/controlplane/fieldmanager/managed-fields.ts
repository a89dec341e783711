/**
 * `metadata.managedFields` read into field sets per manager and written back as kube-apiserver
 * writes it: one entry per manager, operation, subresource and (for updates) apiVersion; entries
 * sorted by operation (Apply first), time, manager, apiVersion and subresource; each entry's keys
 * in the Go type's order.
 */
import { compareGoStrings } from '../patch/json-value.js';
import { FieldSet, type FieldsV1 } from './field-set.js';

export type Operation = 'Apply' | 'Update';

/** What one manager owns, and how it came to. */
export interface ManagerEntry {
  manager: string;
  operation: Operation;
  /** The version the manager wrote in: its fields are named in it. */
  apiVersion: string;
  subresource: string;
  /** RFC 3339, when the manager last changed the object. */
  time?: string;
  set: FieldSet;
}

/** The managers of an object, by identity (manager, operation, subresource, and apiVersion for updates). */
export type Managed = Map<string, ManagerEntry>;

/** The identity of an entry: what two writes must share to be merged into one entry. */
export function managerKey(entry: Pick<ManagerEntry, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify([entry.manager, entry.operation, entry.operation === 'Apply' ? '' : entry.apiVersion, entry.subresource]);
}

/**
 * The managers in a managedFields value.
 * @throws Error when it is not a list of entries of a known operation and fields type (an Update
 *   with its apiVersion), which the write's managedFields then do not replace
 */
export function decodeManagedFields(value: unknown): Managed {
  if (value === undefined || value === null) return new Map();
  if (typeof value !== 'object' || !Object.isFrozen(value)) return decodeEntries(value, false);
  // A stored object's (shared, frozen: no one can change it) is read once, and its sets remember
  // the FieldsV1 they came from.
  let managed = decodedStored.get(value);
  if (managed === undefined) {
    managed = decodeEntries(value, true);
    decodedStored.set(value, managed);
  }
  return new Map(managed);
}

/** The managers of stored managedFields values, read once per (frozen) value. */
const decodedStored = new WeakMap<object, Managed>();

/**
 * The FieldsV1 a set was read from, when it was read from a stored object's managedFields: this
 * field manager wrote it (`encodeManagedFields`), so it is the set's encoding, written back as it
 * is while the set is unchanged (the set operations make new sets; none changes one in place).
 */
const storedEncodings = new WeakMap<FieldSet, FieldsV1>();

function decodeEntries(value: unknown, stored: boolean): Managed {
  const managed: Managed = new Map();
  if (!Array.isArray(value)) throw new Error('managedFields is not a list');
  for (const raw of value) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('a managedFields entry is not an object');
    const entry = raw as Record<string, unknown>;
    if (entry['fieldsType'] !== 'FieldsV1') throw new Error(`found unknown fields type: ${JSON.stringify(entry['fieldsType'] ?? '')}`);
    const operation = entry['operation'];
    if (operation !== 'Apply' && operation !== 'Update') throw new Error(`unknown operation ${JSON.stringify(operation)}`);
    if (operation === 'Update' && (typeof entry['apiVersion'] !== 'string' || entry['apiVersion'] === '')) throw new Error('an Update entry without apiVersion');
    const decoded: ManagerEntry = {
      manager: typeof entry['manager'] === 'string' ? entry['manager'] : '',
      operation,
      apiVersion: typeof entry['apiVersion'] === 'string' ? entry['apiVersion'] : '',
      subresource: typeof entry['subresource'] === 'string' ? entry['subresource'] : '',
      ...(typeof entry['time'] === 'string' ? { time: entry['time'] } : {}),
      set: fieldsOf(entry['fieldsV1'], stored),
    };
    managed.set(managerKey(decoded), decoded);
  }
  return managed;
}

/**
 * An entry's fields. Fields that are not FieldsV1 (an unknown path element) or none at all make
 * an empty set, which is no error: kube-apiserver keeps such an entry, then drops it as empty.
 */
function fieldsOf(value: unknown, stored: boolean): FieldSet {
  try {
    const set = FieldSet.fromFieldsV1(value ?? {});
    if (stored && value !== undefined) storedEncodings.set(set, value as FieldsV1);
    return set;
  } catch {
    return new FieldSet();
  }
}

/** The managedFields value of `managed`, in kube-apiserver's order; empty sets are left out. */
export function encodeManagedFields(managed: Managed): Record<string, unknown>[] {
  const entries = [...managed.values()].filter((e) => !e.set.isEmpty());
  entries.sort((p, q) => {
    if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
    const pt = p.time ? Date.parse(p.time) : 0;
    const qt = q.time ? Date.parse(q.time) : 0;
    if (pt !== qt) return pt - qt;
    return compareGoStrings(p.manager, q.manager) || compareGoStrings(p.apiVersion, q.apiVersion) || compareGoStrings(p.subresource, q.subresource);
  });
  return entries.map((e) => ({
    ...(e.manager ? { manager: e.manager } : {}),
    operation: e.operation,
    ...(e.apiVersion ? { apiVersion: e.apiVersion } : {}),
    ...(e.time ? { time: e.time } : {}),
    fieldsType: 'FieldsV1',
    fieldsV1: storedEncodings.get(e.set) ?? e.set.toFieldsV1(),
    ...(e.subresource ? { subresource: e.subresource } : {}),
  }));
}

/** Whether a request's managedFields asks for them to be emptied: `[]`, or one empty entry. */
export function isResetManagedFields(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  if (value.length === 0) return true;
  return value.length === 1 && typeof value[0] === 'object' && value[0] !== null && Object.keys(value[0] as object).length === 0;
}
