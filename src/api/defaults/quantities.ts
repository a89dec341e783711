/**
 * Resource quantities as the API server stores them: resource lists are rounded up to milli
 * precision (SetDefaults_ResourceList) and every quantity is written in its canonical form
 * ("0.5" is stored as "500m", "1024Mi" as "1Gi").
 */
import { parseQuantity } from '../quantity.js';
import { isJsonObject, type JsonObject } from './json.js';

const NANO = 1_000_000_000n;
const MILLI_IN_NANOS = 1_000_000n;
const DECIMAL_EXPONENTS: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_POWERS: Readonly<Record<string, number>> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };

type Format = 'decimal' | 'binary' | 'exponent';

/** A quantity's exact value in nano units and the notation it was written in. */
export interface ExactQuantity {
  nanos: bigint;
  format: Format;
}

/** The exact value of a quantity, or undefined when it does not parse (validation reports that). */
export function exactQuantity(input: unknown): ExactQuantity | undefined {
  const parsed = parseQuantity(input);
  if ('error' in parsed) return undefined;
  const nanos = nanosOfCanonical(parsed.canonical);
  if (nanos === undefined) return undefined;
  return { nanos, format: formatOf(input) };
}

/** The canonical text of a quantity, or the input unchanged when it does not parse. */
export function canonicalQuantity(input: unknown): unknown {
  const parsed = parseQuantity(input);
  return 'error' in parsed ? input : parsed.canonical;
}

/** Canonical text of a resource-list value rounded up to milli precision, as SetDefaults_ResourceList. */
export function roundedQuantity(input: unknown): unknown {
  const exact = exactQuantity(input);
  if (!exact) return input;
  const remainder = exact.nanos % MILLI_IN_NANOS;
  if (remainder === 0n) return canonicalQuantity(input);
  // Go's RoundUp moves away from zero; negative quantities only reach validation anyway.
  const rounded = exact.nanos - remainder + (exact.nanos < 0n ? -MILLI_IN_NANOS : MILLI_IN_NANOS);
  return formatQuantity({ nanos: rounded, format: exact.format });
}

/** Rounds and canonicalizes every value of the resource list at `key`, when there is one. */
export function defaultResourceList(parent: JsonObject, key: string): void {
  const list = parent[key];
  if (!isJsonObject(list)) return;
  for (const [name, value] of Object.entries(list)) list[name] = roundedQuantity(value);
}

/** The canonical text of an exact quantity in its notation. */
export function formatQuantity(quantity: ExactQuantity): string {
  const { nanos, format } = quantity;
  if (format === 'binary' && nanos % NANO === 0n && (nanos / NANO) % 1024n === 0n && nanos !== 0n) {
    return textOf(`${nanos / NANO / 1024n}Ki`);
  }
  if (format === 'exponent') return textOf(`${nanos}e-9`);
  return textOf(`${nanos}n`);
}

function textOf(input: string): string {
  const parsed = parseQuantity(input);
  return 'error' in parsed ? input : parsed.canonical;
}

function formatOf(input: unknown): Format {
  if (typeof input !== 'string') return 'decimal';
  const text = input.trim();
  if (/[KMGTPE]i$/.test(text)) return 'binary';
  return /[eE][-+]?[0-9]+$/.test(text) ? 'exponent' : 'decimal';
}

// The canonical text may be the input as written, when Go keeps it ("+5", "1.Gi", "1E0").
function nanosOfCanonical(text: string): bigint | undefined {
  const match = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/.exec(text);
  if (!match) return undefined;
  const fraction = match[3] ?? '';
  const magnitude = BigInt(`${match[2] ?? ''}${fraction}` || '0');
  const suffix = match[4] ?? '';
  const sign = match[1] === '-' ? -1n : 1n;
  const binaryPower = BINARY_POWERS[suffix];
  if (binaryPower !== undefined) return sign * ((magnitude * 1024n ** BigInt(binaryPower) * NANO) / 10n ** BigInt(fraction.length));
  const exponent = suffix in DECIMAL_EXPONENTS ? DECIMAL_EXPONENTS[suffix] : /^[eE]([-+]?[0-9]+)$/.exec(suffix)?.[1];
  if (exponent === undefined) return undefined;
  const scale = Number(exponent) + 9 - fraction.length;
  return scale >= 0 ? sign * magnitude * 10n ** BigInt(scale) : sign * (magnitude / 10n ** BigInt(-scale));
}
