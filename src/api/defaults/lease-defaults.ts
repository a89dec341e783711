/** Lease (coordination.k8s.io/v1) has no defaults; its LeaseSpec is a struct value, always serialized. */
import { ensureObject, type JsonObject } from './json.js';

/** Mutates `lease` in place with the fields every stored Lease shows. */
export function defaultLease(lease: JsonObject): void {
  ensureObject(lease, 'spec');
}
