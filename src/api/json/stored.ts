/**
 * Reading back JSON this process wrote (the store's rows): JSON.parse, unless the text holds a
 * number that JSON.parse would round (16 digits or more), which only the lossless parser reads
 * exactly. Stored text is trusted, so no duplicates are recorded and floats stay numbers.
 */
import { parseJson } from './parse.js';

const LONG_DIGITS = /\d{16}/;

/** Parses stored JSON, exact for int64 values. */
export function parseStoredJson(text: string): unknown {
  if (!LONG_DIGITS.test(text)) return JSON.parse(text) as unknown;
  return parseJson(text, { duplicates: false, numberText: false });
}
