// ServiceAccounts: NAME AGE, as printServiceAccount since Kubernetes 1.35 (kubernetes#117160
// dropped the SECRETS count: no core component has filled `secrets` since 1.24).
import type { JsonObject, PrintedRow, ResourcePrinter } from './shared.js';
import { AGE_COLUMN, NAME_COLUMN, ageOf, nameOf } from './shared.js';

/** The serviceaccounts table. */
export const serviceAccountPrinter: ResourcePrinter = {
  columns: [NAME_COLUMN, AGE_COLUMN],
  row(account: JsonObject, now: Date): PrintedRow {
    return { cells: [nameOf(account), ageOf(account, now)] };
  },
};
