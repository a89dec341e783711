// Secrets: NAME TYPE DATA AGE, as printSecret.
import type { JsonObject, PrintedRow, ResourcePrinter } from './shared.js';
import { AGE_COLUMN, NAME_COLUMN, ageOf, column, nameOf, size, text } from './shared.js';

const DATA_DESCRIPTION =
  "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4";

/** The secrets table: the type and the number of data keys. */
export const secretPrinter: ResourcePrinter = {
  columns: [
    NAME_COLUMN,
    column('Type', 'string', 'Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types'),
    column('Data', 'string', DATA_DESCRIPTION),
    AGE_COLUMN,
  ],
  row(secret: JsonObject, now: Date): PrintedRow {
    return { cells: [nameOf(secret), text(secret['type']), size(secret['data']), ageOf(secret, now)] };
  },
};
