// Leases (coordination.k8s.io/v1): NAME HOLDER AGE, as printLease.
import type { JsonObject, PrintedRow, ResourcePrinter } from './shared.js';
import { AGE_COLUMN, NAME_COLUMN, ageOf, column, nameOf, record, text } from './shared.js';

const HOLDER_DESCRIPTION =
  'holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.';

/** The leases table: the holder identity, empty when nobody holds the lease. */
export const leasePrinter: ResourcePrinter = {
  columns: [NAME_COLUMN, column('Holder', 'string', HOLDER_DESCRIPTION), AGE_COLUMN],
  row(lease: JsonObject, now: Date): PrintedRow {
    return { cells: [nameOf(lease), text(record(lease['spec'])['holderIdentity']), ageOf(lease, now)] };
  },
};
