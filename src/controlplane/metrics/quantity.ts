/**
 * Quantities and durations written as the Go API machinery writes them in metrics.k8s.io's
 * bodies: a `resource.Quantity`'s canonical form (CPU in decimal SI from nanocores, "12345n",
 * "250m", "2"; memory in binary SI, "1234Ki", falling back to decimal SI when not a whole
 * multiple of 1024) and a `metav1.Duration` (Go's time.Duration String: "15.003s", "1m0.5s").
 */

const DECIMAL_SUFFIXES: Record<number, string> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };
const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** `value × 10^scale` in canonical decimal SI, as Quantity.String() writes a DecimalSI quantity. */
export function decimalQuantity(value: bigint, scale: number): string {
  if (value === 0n) return '0';
  let amount = value;
  let exponent = scale;
  while (amount % 10n === 0n) {
    amount /= 10n;
    exponent++;
  }
  // The exponent goes down to a multiple of 3, the mantissa up with it.
  const remainder = ((exponent % 3) + 3) % 3;
  amount *= 10n ** BigInt(remainder);
  exponent -= remainder;
  const suffix = DECIMAL_SUFFIXES[exponent];
  return suffix === undefined ? `${amount}e${exponent}` : `${amount}${suffix}`;
}

/** A CPU rate in nanocores, as metrics-server's `NewScaledQuantity(n, -9)`: "12345n", "5m". */
export function cpuQuantity(nanoCores: number): string {
  return decimalQuantity(BigInt(Math.max(0, Math.floor(nanoCores))), -9);
}

/** Bytes as a BinarySI quantity writes them: "16384Ki", "2Mi"; "512" and "1500k" when 1024 does not divide them. */
export function bytesQuantity(bytes: number): string {
  const value = BigInt(Math.max(0, Math.floor(bytes)));
  if (value < 1024n || value % 1024n !== 0n) return decimalQuantity(value, 0);
  let amount = value;
  let power = 0;
  while (amount % 1024n === 0n && power < BINARY_SUFFIXES.length - 1) {
    amount /= 1024n;
    power++;
  }
  return `${amount}${BINARY_SUFFIXES[power]!}`;
}

/** Milliseconds as Go's time.Duration String writes them: "0s", "15s", "15.003s", "1m0.5s", "1h2m3s". */
export function goDuration(ms: number): string {
  const total = Math.round(ms);
  if (total === 0) return '0s';
  const sign = total < 0 ? '-' : '';
  let rest = Math.abs(total);
  if (rest < 1000) return `${sign}${rest}ms`;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = `${Math.floor(rest / 1000)}${rest % 1000 === 0 ? '' : `.${String(rest % 1000).padStart(3, '0').replace(/0+$/, '')}`}s`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}`;
  return `${sign}${seconds}`;
}
