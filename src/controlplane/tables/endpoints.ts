// Endpoints: NAME ENDPOINTS AGE, as printEndpoints (formatEndpoints: the first three, then "+ N more...").
import type { JsonObject, PrintedRow, ResourcePrinter } from './shared.js';
import { AGE_COLUMN, NAME_COLUMN, ageOf, column, list, nameOf, record, text } from './shared.js';

const SHOWN = 3;

function joinHostPort(ip: string, port: unknown): string {
  return `${ip.includes(':') ? `[${ip}]` : ip}:${typeof port === 'number' ? port : 0}`;
}

/** The ready addresses (with each port), at most three and a count of the rest. */
export function formatEndpoints(endpoints: JsonObject): string {
  const subsets = list(endpoints['subsets']).map(record);
  if (subsets.length === 0) return '<none>';
  const shown: string[] = [];
  let count = 0;
  let more = false;
  for (const subset of subsets) {
    const addresses = list(subset['addresses']).map((a) => text(record(a)['ip']));
    const ports = list(subset['ports']).map(record);
    const entries = ports.length === 0 ? [addresses] : ports.map((port) => addresses.map((ip) => joinHostPort(ip, port['port'])));
    for (const group of entries) {
      count += group.length;
      for (const entry of group) {
        if (shown.length === SHOWN) {
          more = true;
          break;
        }
        shown.push(entry);
      }
    }
  }
  return more ? `${shown.join(',')} + ${count - SHOWN} more...` : shown.join(',');
}

export const endpointsPrinter: ResourcePrinter = {
  columns: [NAME_COLUMN, column('Endpoints', 'string', 'Endpoints of the service'), AGE_COLUMN],
  row(endpoints: JsonObject, now: Date): PrintedRow {
    return { cells: [nameOf(endpoints), formatEndpoints(endpoints), ageOf(endpoints, now)] };
  },
};
