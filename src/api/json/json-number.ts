/**
 * A JSON number written in float syntax (`1.0`, `1e3`, `1e308`) whose value is a whole number or
 * out of range. JavaScript's number cannot tell `1.0` from `1`, but Go's decoder can: it refuses
 * float syntax for an integer field (`json: cannot unmarshal number 1.0 into ... of type int64`).
 * The parser keeps such numbers as this wrapper, with their text, until the schema decoder has
 * judged them; everything else about the value still behaves as the number it is (valueOf,
 * toJSON), so code that only compares or prints it keeps working.
 */
export class JsonNumber {
  constructor(readonly text: string) {}

  /** The value as a JavaScript number (Infinity when out of range, as Number() reads it). */
  valueOf(): number {
    return Number(this.text);
  }

  toJSON(): number {
    return Number(this.text);
  }

  toString(): string {
    return this.text;
  }
}

/** True for a number kept with its float-syntax text. */
export function isJsonNumber(value: unknown): value is JsonNumber {
  return value instanceof JsonNumber;
}

/** The text Go's decoder quotes for a number value: its literal for parsed numbers, else String(). */
export function numberText(value: number | bigint | JsonNumber): string {
  return value instanceof JsonNumber ? value.text : String(value);
}

/** The number as a JavaScript number (lossy beyond 2^53), for code that needs one. */
export function toNumber(value: number | bigint | JsonNumber): number {
  return Number(value);
}
