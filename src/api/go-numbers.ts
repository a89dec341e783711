/**
 * JSON numbers decoded into Go's numeric fields as kube-apiserver's decoder decodes them: an
 * int32 or int64 field takes only an integer literal within its range (`1.0`, `1e3` and
 * 9223372036854775808 are refused), a float64 field any finite number. Values beyond 2^53 stay
 * BigInts, so an int64 reads back exactly as sent (src/api/json keeps them from the parser on).
 */
import { JsonNumber, numberText } from './json/index.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

export type Numeric = number | bigint | JsonNumber;

/** A JSON number as the parser or a manifest loader gives it. */
export function isNumeric(value: unknown): value is Numeric {
  return typeof value === 'number' || typeof value === 'bigint' || value instanceof JsonNumber;
}

/**
 * The value a Go field of OpenAPI `format` (int32, int64, or a float format) holds for `value`,
 * or undefined when Go's decoder refuses it ("cannot unmarshal number 1e308 into ... int64").
 */
export function decodeGoNumber(value: Numeric, format: string): number | bigint | undefined {
  if (format === 'int32' || format === 'int64') return decodeInteger(value, format);
  const float = Number(value);
  return Number.isFinite(float) ? float : undefined;
}

function decodeInteger(value: Numeric, format: 'int32' | 'int64'): number | bigint | undefined {
  // Float syntax is never an integer to Go, whatever its value.
  if (value instanceof JsonNumber) return undefined;
  if (typeof value === 'bigint') return format === 'int64' && value >= INT64_MIN && value <= INT64_MAX ? value : undefined;
  if (!Number.isInteger(value)) return undefined;
  if (format === 'int32') return value >= INT32_MIN && value <= INT32_MAX ? value : undefined;
  // A number beyond 2^53 comes from a manifest loader, not the parser; judge it by its integer value.
  if (Number.isSafeInteger(value)) return value;
  const integer = BigInt(value);
  return integer >= INT64_MIN && integer <= INT64_MAX ? value : undefined;
}

/** How Go's decoder names a refused number: `number 1e308`, with the literal as sent. */
export function goNumberWord(value: Numeric): string {
  return `number ${numberText(value)}`;
}

/**
 * A number in a free-form field (interface{} in Go): integers as int64 where they fit (exact),
 * otherwise float64, as sigs.k8s.io/json's PreserveInts reads them; undefined when out of
 * float64's range.
 */
export function freeFormNumber(value: Numeric): number | bigint | undefined {
  if (typeof value === 'bigint') {
    if (value >= INT64_MIN && value <= INT64_MAX) return value;
    const float = Number(value);
    return Number.isFinite(float) ? float : undefined;
  }
  const float = Number(value);
  return Number.isFinite(float) ? float : undefined;
}
