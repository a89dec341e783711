/**
 * How objects become JSON text and back: the one place the store and the API server's responses
 * encode an object, so that a more exact encoding (int64 values beyond 2^53) can replace it here.
 */

/** An object's JSON text, as stored and as sent to clients. */
export function encodeObject(value: unknown): string {
  return JSON.stringify(value);
}

/** The object a stored JSON text holds. */
export function decodeStored<T = Record<string, unknown>>(text: string): T {
  return JSON.parse(text) as T;
}
