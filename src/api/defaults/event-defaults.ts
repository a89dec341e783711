/**
 * Event (core/v1) has no defaults, but Go always serializes its struct-valued and non-omitempty
 * fields: involvedObject and source as objects, the reporting fields as "", unset times as null.
 */
import { defaultPointer, ensureObject, type JsonObject } from './json.js';

/** Mutates `event` in place with the fields every stored v1 Event shows. */
export function defaultEvent(event: JsonObject): void {
  ensureObject(event, 'involvedObject');
  ensureObject(event, 'source');
  defaultPointer(event, 'reportingComponent', '');
  defaultPointer(event, 'reportingInstance', '');
  for (const time of ['firstTimestamp', 'lastTimestamp', 'eventTime']) if (event[time] === undefined) event[time] = null;
}
