export { Store, revisionOf, type ObjectKey, type ListOptions, type ListResult, type StoredObject } from './store.js';
export type { Change, ChangeListener } from './watch-hub.js';
export { ObjectMissing, ObjectExists, RevisionConflict, RevisionCompacted } from './errors.js';
export { StoreFull } from './space-guard.js';
