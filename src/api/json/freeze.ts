/**
 * Freezing a parsed JSON value whole: what is shared between readers (the control plane's cache
 * of stored objects, the runtime's records of its containers) is frozen, so that one reader can
 * never change what another reads (changing it throws, in ES modules' strict code).
 */

/** Freezes `root` and every object and array under it, without recursion (any depth the parser took). */
export function deepFreeze<T>(root: T): T {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null || Object.isFrozen(value)) continue;
    Object.freeze(value);
    if (Array.isArray(value)) {
      for (const member of value) if (typeof member === 'object' && member !== null) stack.push(member);
    } else {
      for (const key in value) {
        const member = (value as Record<string, unknown>)[key];
        if (typeof member === 'object' && member !== null) stack.push(member);
      }
    }
  }
  return root;
}
