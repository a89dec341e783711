/**
 * Kubernetes resource quantities ("500m", "128Mi", "1.5", "2e3"), parsed as apimachinery's
 * resource.Quantity: the same three parse errors, a number for comparisons and cgroup settings,
 * and the canonical text the API server prints in messages ("2048Mi" is "2Gi", "0.5" is "500m").
 */

const FORMAT_MESSAGE = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const SUFFIX_MESSAGE = "unable to parse quantity's suffix";
const NUMERIC_MESSAGE = 'unable to parse numeric part of quantity';

const DECIMAL: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_SUFFIX_BY_EXPONENT = new Map(Object.entries(DECIMAL).map(([suffix, e]) => [e, suffix]));
const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

type Format = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  value: number;
  /** The API server's canonical text, e.g. "2Gi", "500m", "1e3". */
  canonical: string;
}

const NANO = 10n ** 9n;

/**
 * Parses a quantity. Numbers (YAML `cpu: 2`) are accepted, as the API server accepts JSON numbers.
 * @returns the quantity, or the decoder's error message.
 */
export function parseQuantity(input: unknown): Quantity | { error: string } {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return { error: FORMAT_MESSAGE };
    input = String(input).replace(/e\+?/, 'e');
  }
  if (typeof input !== 'string') return { error: FORMAT_MESSAGE };
  const text = input.trim();
  // Go's parseQuantityString: a sign, digits, at most one '.', digits, then a suffix of unit
  // letters, an optional sign and digits; anything else is malformed. Missing digits are 0
  // ("." and "-" parse as 0), except where Go takes its arbitrary-precision path (Pi and Ei),
  // which cannot parse a number without digits.
  const match = text === '' ? null : /^([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[-+]?[0-9]*)$/.exec(text);
  if (!match) return { error: FORMAT_MESSAGE };
  const suffix = match[4] ?? '';
  const negative = match[1] === '-';
  const digits = `${match[2] ?? ''}${match[3] ?? ''}`.replace(/^0+(?=\d)/, '') || '0';
  const fraction = (match[3] ?? '').length;

  let format: Format;
  let decimalExponent = 0;
  let binaryExponent = 0;
  if (suffix in DECIMAL) {
    format = 'DecimalSI';
    decimalExponent = DECIMAL[suffix] ?? 0;
  } else if (suffix in BINARY) {
    format = 'BinarySI';
    binaryExponent = BINARY[suffix] ?? 0;
    if (`${match[2] ?? ''}${match[3] ?? ''}` === '' && binaryExponent >= 50) return { error: NUMERIC_MESSAGE };
  } else if (/^[eE][-+]?[0-9]+$/.test(suffix)) {
    format = 'DecimalExponent';
    decimalExponent = Number(suffix.slice(1));
  } else {
    return { error: SUFFIX_MESSAGE };
  }

  // The exact value in nano units (rounded up, as the API server rounds to nano precision).
  const scale = decimalExponent - fraction + 9;
  let nanos = BigInt(digits) * 2n ** BigInt(binaryExponent);
  if (scale >= 0) nanos *= 10n ** BigInt(scale);
  else {
    const divisor = 10n ** BigInt(-scale);
    nanos = nanos / divisor + (nanos % divisor === 0n ? 0n : 1n);
  }
  if (negative) nanos = -nanos;
  const num = (match[2] ?? '').replace(/^0+/, '') || '0';
  const kept = keepsText(num, match[3] ?? '', format, format === 'BinarySI' ? binaryExponent : decimalExponent);
  return { value: Number(nanos) / 1e9, canonical: kept ? text : canonical(nanos, format) };
}

/**
 * Whether Go's ParseQuantity keeps the text as written, which String() then returns ("1E0",
 * "010", "1.Gi"): when its int64 fast path finds the value already in a canonical shape.
 */
function keepsText(num: string, denom: string, format: Format, exponent: number): boolean {
  if (format === 'BinarySI') {
    if (denom !== '' || 15 - num.length - Math.trunc((exponent * 3) / 10) - 1 < 0) return false;
    const value = BigInt(num);
    if (value * 2n ** BigInt(exponent) > 2n ** 63n - 1n) return false;
    return exponent % 10 === 0 && (value & 7n) !== 0n;
  }
  const scale = exponent - denom.length;
  if (18 - num.length - denom.length < 0 || scale < -9) return false;
  const shifted = num + denom;
  return scale % 3 === 0 && !shifted.endsWith('000') && !shifted.startsWith('0');
}

function canonical(nanos: bigint, format: Format): string {
  if (nanos === 0n) return '0';
  const sign = nanos < 0n ? '-' : '';
  const magnitude = nanos < 0n ? -nanos : nanos;
  // Binary quantities print in binary only when whole and at least 1Ki; otherwise as decimal.
  if (format === 'BinarySI' && magnitude >= 1024n * NANO && magnitude % NANO === 0n) {
    let units = magnitude / NANO;
    let i = 0;
    while (i < BINARY_SUFFIXES.length - 1 && units % 1024n === 0n) {
      units /= 1024n;
      i++;
    }
    return `${sign}${units}${BINARY_SUFFIXES[i] ?? ''}`;
  }
  // The largest exponent, a multiple of 3 from -9 to 18, that leaves a whole mantissa.
  let mantissa = magnitude;
  let exponent = -9;
  while (exponent < 18 && mantissa % 1000n === 0n) {
    mantissa /= 1000n;
    exponent += 3;
  }
  if (format === 'DecimalExponent') return `${sign}${mantissa}${exponent === 0 ? '' : `e${exponent}`}`;
  return `${sign}${mantissa}${DECIMAL_SUFFIX_BY_EXPONENT.get(exponent) ?? ''}`;
}
