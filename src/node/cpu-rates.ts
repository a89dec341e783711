/**
 * `usageNanoCores` of the Summary API: the CPU rate between two readings of a cumulative counter
 * (nanoseconds of CPU time), as the kubelet derives it from its previous reading of the same
 * container, pod or node. A reading less than a second after the kept one does not replace it,
 * so frequent scrapes still measure over a second or more; a counter that went back (a new
 * container instance under the same key) starts over.
 */

const MIN_INTERVAL_MS = 1000;

interface Reading {
  usageNanos: number;
  atMs: number;
  rate: number | undefined;
}

export class CpuRates {
  readonly #last = new Map<string, Reading>();

  /** The rate in nanocores since the kept reading of `key`, or undefined for its first reading. */
  rate(key: string, usageNanos: number, atMs: number): number | undefined {
    const last = this.#last.get(key);
    if (last && atMs - last.atMs < MIN_INTERVAL_MS && usageNanos >= last.usageNanos) return last.rate;
    const rate = last && usageNanos >= last.usageNanos && atMs > last.atMs ? Math.round(((usageNanos - last.usageNanos) * 1000) / (atMs - last.atMs)) : undefined;
    this.#last.set(key, { usageNanos, atMs, rate });
    return rate;
  }

  /** Forgets every key not in `keep` (containers and pods that are gone). */
  retain(keep: ReadonlySet<string>): void {
    for (const key of this.#last.keys()) if (!keep.has(key)) this.#last.delete(key);
  }
}
