/**
 * A custom resource's `kubectl get` table: its version's additionalPrinterColumns after the name,
 * each cell read with the column's JSONPath and shown as its type says (integers as numbers,
 * dates as ages), or Name and Age when the version has none, as kube-apiserver's table
 * convertor for custom resources makes them.
 */
import { AGE_COLUMN, ageOf, column, NAME_COLUMN, nameOf, parseTime, since, type JsonObject, type PrintedRow, type ResourcePrinter } from '../tables/shared.js';
import { readJsonPath } from './json-path.js';

/** One additionalPrinterColumns entry. */
export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

/** The printer of a version with these columns (none: Name and Age). */
export function customResourcePrinter(columns: readonly PrinterColumn[]): ResourcePrinter {
  if (columns.length === 0) {
    return { columns: [NAME_COLUMN, { ...AGE_COLUMN, type: 'date' }], row: (object, now) => ({ cells: [nameOf(object), ageOf(object, now)] }) };
  }
  return {
    columns: [
      NAME_COLUMN,
      ...columns.map((c) => column(c.name, c.type, c.description || `Custom resource definition column (in JSONPath format): ${c.jsonPath}`, c.priority ?? 0, c.format ?? '')),
    ],
    row(object: JsonObject, now: Date): PrintedRow {
      return { cells: [nameOf(object), ...columns.map((c) => cell(c, readJsonPath(object, c.jsonPath), now))] };
    },
  };
}

/** A cell as the column's type shows it; null (kubectl's `<none>`) for nothing found or a value of another type. */
function cell(c: PrinterColumn, found: unknown[], now: Date): unknown {
  if (found.length === 0) return null;
  if (found.length > 1) return found.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(',');
  const value = found[0];
  switch (c.type) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? value : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date': {
      const time = parseTime(value);
      return time === undefined ? null : since(time, now);
    }
    default:
      if (value === null || value === undefined) return null;
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
}
