// EndpointSlices: NAME ADDRESSTYPE PORTS ENDPOINTS AGE, as printEndpointSlice (three of each, then "+ N more...", "<unset>" when none).
import type { JsonObject, PrintedRow, ResourcePrinter } from './shared.js';
import { AGE_COLUMN, NAME_COLUMN, ageOf, column, list, nameOf, record, text } from './shared.js';

const SHOWN = 3;

function listWithMore(values: string[]): string {
  if (values.length > SHOWN) return `${values.slice(0, SHOWN).join(',')} + ${values.length - SHOWN} more...`;
  return values.length === 0 ? '<unset>' : values.join(',');
}

export const endpointSlicePrinter: ResourcePrinter = {
  columns: [
    NAME_COLUMN,
    column('AddressType', 'string', 'The IP protocol for this slice'),
    column('Ports', 'string', 'The ports for this slice'),
    column('Endpoints', 'string', 'The endpoints for this slice'),
    AGE_COLUMN,
  ],
  row(slice: JsonObject, now: Date): PrintedRow {
    const ports = list(slice['ports']).map(record).map((p) => (typeof p['port'] === 'number' ? String(p['port']) : p['name'] !== undefined && p['name'] !== null ? text(p['name']) : '*'));
    const addresses = list(slice['endpoints']).flatMap((e) => list(record(e)['addresses']).map(text));
    return { cells: [nameOf(slice), text(slice['addressType']), listWithMore(ports), listWithMore(addresses), ageOf(slice, now)] };
  },
};
