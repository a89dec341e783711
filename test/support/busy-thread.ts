/** Keeping this thread's event loop busy, as a burst of work keeps the control plane's. */
import { performance } from 'node:perf_hooks';

/** Work on the thread for `ms`, without a turn of the event loop. */
export function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* work */ }
}

/** Keeps the event loop busy for `ms`: 10 ms of work, then a turn for I/O, again and again; `each` runs between. */
export async function busyFor(ms: number, each: () => void = () => {}): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    spin(10);
    each();
    await new Promise((resolve) => setImmediate(resolve));
  }
}
