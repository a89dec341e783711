export { Store, revisionOf, type ObjectKey, type ListOptions, type ListResult, type StoredObject } from './store.js';
export type { Change, ChangeListener } from './watch-hub.js';
export { ObjectMissing, ObjectExists, RevisionConflict, RevisionCompacted } from './errors.js';
export { StoreFull } from './space-guard.js';
export { Snapshot, type ChangeRow, type RowKey, type RevisionRow, type RowRange, type StoredRow } from './snapshot.js';
export { decodeStored, encodeObject } from './encoding.js';
export { onceForFrozen } from './frozen.js';
export type { Derivation } from './decoded-objects.js';
export { labelKey, nodeRefKey, uidKey } from './index-keys.js';
