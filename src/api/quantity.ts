/**
 * Kubernetes resource quantities ("500m", "128Mi", "1.5", "2e3"), parsed as the API server's
 * resource.Quantity does, to a plain number. Doubles are exact enough for what hostpod does with
 * them: compare requests with limits, and turn limits into cgroup settings.
 */

/** The message the API server's decoder gives for a malformed quantity. */
export const QUANTITY_FORMAT_MESSAGE = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

const DECIMAL: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

const SHAPE = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(.*)$/;

/**
 * Parses a quantity. Numbers (YAML `cpu: 2`) are accepted, as the API server accepts JSON numbers.
 * @returns the value, or undefined when the text is not a quantity.
 */
export function parseQuantity(input: unknown): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) ? input : undefined;
  if (typeof input !== 'string') return undefined;
  const match = SHAPE.exec(input);
  if (!match) return undefined;
  const mantissa = Number(match[1]);
  const suffix = match[2] ?? '';
  const decimal = DECIMAL[suffix];
  if (decimal !== undefined) return mantissa * 10 ** decimal;
  const binary = BINARY[suffix];
  if (binary !== undefined) return mantissa * 2 ** binary;
  const exponent = /^[eE]([+-]?[0-9]+)$/.exec(suffix);
  if (exponent) return mantissa * 10 ** Number(exponent[1]);
  return undefined;
}
