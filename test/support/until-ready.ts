/** Waiting for a started component (a real cluster's, a kubelet node's) to answer, or to die trying. */

/**
 * Polls `check` until it gives a value; throws naming `what` when `failed` says the component
 * died (its reason), or after `timeoutMs`.
 */
export async function untilReady<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, failed: () => string | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = failed();
    if (dead) throw new Error(`${what}: ${dead}`);
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
