/**
 * How objects become JSON text and back: the one place the store and the API server's responses
 * encode an object. Integers beyond 2^53 (int64 fields) are BigInts, written and read as their
 * exact digits (src/api/json).
 */
import { parseStoredJson, stringifyJson } from '../../api/json/index.js';

/** An object's JSON text, as stored and as sent to clients. */
export function encodeObject(value: unknown): string {
  return stringifyJson(value);
}

/** The object a stored JSON text holds. */
export function decodeStored<T = Record<string, unknown>>(text: string): T {
  return parseStoredJson(text) as T;
}
