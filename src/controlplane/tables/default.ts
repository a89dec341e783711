// Any other resource: the apiserver's default table convertor, Name and Created At.
import type { JsonObject, PrintedRow, ResourcePrinter } from './shared.js';
import { CREATION_TIMESTAMP_DESCRIPTION, NAME_COLUMN, column, nameOf, parseTime, record } from './shared.js';

/** The default table: the name and the creation time in RFC 3339 (UTC, whole seconds), not an age. */
export const defaultPrinter: ResourcePrinter = {
  columns: [NAME_COLUMN, column('Created At', 'date', CREATION_TIMESTAMP_DESCRIPTION)],
  row(object: JsonObject): PrintedRow {
    return { cells: [nameOf(object), rfc3339(parseTime(record(object['metadata'])['creationTimestamp']))] };
  },
};

// Go formats an unset creationTimestamp as its zero time.
function rfc3339(ms: number | undefined): string {
  if (ms === undefined) return '0001-01-01T00:00:00Z';
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
