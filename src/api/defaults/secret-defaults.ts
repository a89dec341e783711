/** Secret: type Opaque, and `stringData` merged into `data` (it is write-only: never stored). */
import { defaultString, ensureObject, isJsonObject, type JsonObject } from './json.js';

/** Mutates `secret` in place with the API server's defaults. */
export function defaultSecret(secret: JsonObject): void {
  defaultString(secret, 'type', 'Opaque');
  const stringData = secret['stringData'];
  delete secret['stringData'];
  if (!isJsonObject(stringData) || Object.keys(stringData).length === 0) return;
  const data = ensureObject(secret, 'data');
  for (const [key, value] of Object.entries(stringData)) {
    // stringData wins over data for the same key.
    if (typeof value === 'string') data[key] = Buffer.from(value, 'utf8').toString('base64');
  }
}
