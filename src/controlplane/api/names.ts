/** Generated names (metadata.generateName) and the other random identifiers of new objects. */
import { randomInt, randomUUID } from 'node:crypto';

// apimachinery's util/rand alphabet: no vowels (no words) and no look-alikes (0/o, 1/l, 3/e).
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const MAX_NAME_LENGTH = 63;
const SUFFIX_LENGTH = 5;

/** Five random characters, as the API server appends to a generateName prefix. */
export function generateNameSuffix(): string {
  let suffix = '';
  for (let i = 0; i < SUFFIX_LENGTH; i++) suffix += ALPHABET.charAt(randomInt(ALPHABET.length));
  return suffix;
}

/** A name from a generateName prefix, cut so that the whole fits in 63 characters. */
export function generateName(prefix: string, suffix: string = generateNameSuffix()): string {
  return `${prefix.slice(0, MAX_NAME_LENGTH - SUFFIX_LENGTH)}${suffix}`;
}

/** A new object's UID: a random (version 4) UUID. */
export function newUID(): string {
  return randomUUID();
}

/** The last second formatted: every write stamps the time, and most writes of a burst share their second. */
let lastSecond = Number.NaN;
let lastText = '';

/** RFC 3339 in UTC with second precision, as metav1.Time is written. */
export function formatTimestamp(date: Date): string {
  const second = Math.floor(date.getTime() / 1000);
  if (second !== lastSecond) {
    // An invalid date throws here (NaN is never the last second), as toISOString does.
    lastText = `${date.toISOString().slice(0, 19)}Z`;
    lastSecond = second;
  }
  return lastText;
}
