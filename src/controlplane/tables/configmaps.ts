// ConfigMaps: NAME DATA AGE, as printConfigMap.
import type { JsonObject, PrintedRow, ResourcePrinter } from './shared.js';
import { AGE_COLUMN, NAME_COLUMN, ageOf, column, nameOf, size } from './shared.js';

const DATA_DESCRIPTION =
  "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.";

/** The configmaps table: DATA counts the keys of data and binaryData together. */
export const configMapPrinter: ResourcePrinter = {
  columns: [NAME_COLUMN, column('Data', 'string', DATA_DESCRIPTION), AGE_COLUMN],
  row(configMap: JsonObject, now: Date): PrintedRow {
    return { cells: [nameOf(configMap), size(configMap['data']) + size(configMap['binaryData']), ageOf(configMap, now)] };
  },
};
