// Scale (autoscaling/v1, the scale subresource): NAME DESIRED AVAILABLE AGE, as printScale.
import type { JsonObject, PrintedRow, ResourcePrinter } from './shared.js';
import { AGE_COLUMN, column, NAME_DESCRIPTION, ageOf, integer, nameOf, record } from './shared.js';

/** The scale table: desired and observed replicas. Upstream's Name column has no `name` format here. */
export const scalePrinter: ResourcePrinter = {
  columns: [
    column('Name', 'string', NAME_DESCRIPTION),
    column('Desired', 'integer', 'replicas is the desired number of instances for the scaled object.'),
    column('Available', 'integer', 'replicas is the actual number of observed instances of the scaled object.'),
    AGE_COLUMN,
  ],
  row(scale: JsonObject, now: Date): PrintedRow {
    return { cells: [nameOf(scale), integer(record(scale['spec'])['replicas']), integer(record(scale['status'])['replicas']), ageOf(scale, now)] };
  },
};
