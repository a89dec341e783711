// Namespaces: NAME STATUS AGE, as printNamespace.
import type { JsonObject, PrintedRow, ResourcePrinter } from './shared.js';
import { AGE_COLUMN, NAME_COLUMN, ageOf, column, nameOf, record, text } from './shared.js';

/** The namespaces table: the phase (Active, Terminating) as STATUS. */
export const namespacePrinter: ResourcePrinter = {
  columns: [NAME_COLUMN, column('Status', 'string', 'The status of the namespace'), AGE_COLUMN],
  row(namespace: JsonObject, now: Date): PrintedRow {
    return { cells: [nameOf(namespace), text(record(namespace['status'])['phase']), ageOf(namespace, now)] };
  },
};
