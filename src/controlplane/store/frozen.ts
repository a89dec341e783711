/**
 * Objects the store shares between readers (the cache of decoded objects, what a write returns)
 * are deep-frozen: one reader can never change what another reads. An object just written is
 * shared as it is, not parsed back from its text, so it is first brought to exactly what its text
 * parses to (`freezeAsStored`).
 */

/**
 * What `derive` makes of `object`, worked out once while `object` is frozen (a shared object, which
 * no one can change, so neither can what is derived from it) and kept in `cache`; worked out anew
 * each time for an object that is not frozen.
 */
export function onceForFrozen<K extends object, V>(cache: WeakMap<K, V>, object: K, derive: (object: K) => V): V {
  if (!Object.isFrozen(object)) return derive(object);
  if (cache.has(object)) return cache.get(object)!;
  const value = derive(object);
  cache.set(object, value);
  return value;
}

/**
 * Deep-freezes an object about to be shared as the one its stored text holds, first making it
 * that: members whose value is `undefined` (which the text leaves out) are deleted. Returns
 * whether it now is what `decodeStored` makes of its text; it is not when it holds what JSON
 * cannot carry as is (a class instance such as a Date, a function, NaN, -0, an array with holes,
 * a whole number beyond 2^53 that is not a BigInt, a BigInt within it), and such an object must
 * not stand for its text. Parts already frozen are taken as they are: only the store freezes, and
 * only what it decoded or checked here.
 */
export function freezeAsStored(root: Record<string, unknown>): boolean {
  let faithful = true;
  const stack: object[] = [root];
  while (stack.length > 0) {
    const value = stack.pop()!;
    if (Object.isFrozen(value)) continue;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        if (!(i in value)) faithful = false;
        else faithful = visit(value[i] as unknown, stack) && faithful;
      }
    } else {
      // JSON.parse makes every object a plain Object: one without a prototype is not one.
      if (Object.getPrototypeOf(value) !== Object.prototype) faithful = false;
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        if (record[key] === undefined) delete record[key];
        else faithful = visit(record[key], stack) && faithful;
      }
    }
    Object.freeze(value);
  }
  return faithful;
}

/** Whether a member reads back as it is from its text; objects go on the stack. */
function visit(member: unknown, stack: object[]): boolean {
  switch (typeof member) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      // JSON.stringify writes NaN and the infinities as null, -0 as 0, and a whole number from
      // 2^53 to 1e21 as its digits, which the store's parser reads as a BigInt.
      return Number.isFinite(member) && !Object.is(member, -0) && !(Number.isInteger(member) && !Number.isSafeInteger(member) && Math.abs(member) < 1e21);
    case 'bigint':
      // Read back as a BigInt only beyond 2^53.
      return member > BigInt(Number.MAX_SAFE_INTEGER) || member < BigInt(Number.MIN_SAFE_INTEGER);
    case 'object':
      if (member === null) return true;
      stack.push(member);
      return true;
    default:
      return false;
  }
}
