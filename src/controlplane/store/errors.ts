/** What the store refuses, for the API layer to turn into 404, 409 and 410 responses. */
import type { ObjectKey } from './store.js';

export class ObjectMissing extends Error {
  constructor(readonly key: ObjectKey) {
    super(`${key.resource} ${key.namespace}/${key.name} not found`);
  }
}

export class ObjectExists extends Error {
  constructor(readonly key: ObjectKey) {
    super(`${key.resource} ${key.namespace}/${key.name} already exists`);
  }
}

export class RevisionConflict extends Error {
  constructor(readonly key: ObjectKey) {
    super(`${key.resource} ${key.namespace}/${key.name} was modified`);
  }
}

export class RevisionCompacted extends Error {
  constructor(readonly requested: number, readonly oldest: number) {
    super(`too old resource version: ${requested} (${oldest})`);
  }
}
