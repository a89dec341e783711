/**
 * Duplicate keys a parsed JSON document had. The last value wins, as with Go's decoder and
 * JSON.parse, but kube-apiserver's strict decoding reports each duplicate ("duplicate field
 * \"spec.paused\"") and refuses the request under fieldValidation=Strict. The parser records,
 * for each object that had duplicates, which keys were repeated; the decoder that walks the
 * document (by schema for typed objects, generically for patches) turns them into field paths.
 */

const repeated = new WeakMap<object, string[]>();

/** Records that `key` appeared again in `object` (called by the parser). */
export function recordDuplicate(object: object, key: string): void {
  const keys = repeated.get(object);
  if (keys === undefined) repeated.set(object, [key]);
  else if (!keys.includes(key)) keys.push(key);
}

/** The keys that appeared more than once in `object`, in the order they repeated. */
export function duplicateKeys(object: object): readonly string[] {
  return repeated.get(object) ?? [];
}

/** Carries the duplicate keys of `from` over to `to` (a shallow copy of it). */
export function copyDuplicates(from: object, to: object): void {
  const keys = repeated.get(from);
  if (keys !== undefined) repeated.set(to, [...keys]);
}

/**
 * Forgets the duplicate keys of `object`, as decoding it into a Go map and encoding that again
 * forgets them (the last value of each key is what the object holds already).
 */
export function forgetDuplicates(object: object): void {
  repeated.delete(object);
}

/** At most this many strict errors are reported, as sigs.k8s.io/json caps them. */
export const MAX_STRICT_ERRORS = 100;

/**
 * Every duplicate key in a parsed document, as the field paths Go's strict decoder of an untyped
 * document (map[string]interface{}) names them: `spec.template.spec.containers[0].name`, or
 * `[1].path` in a list; `root` is the path of `document` itself. Iterative, so any depth the
 * parser admits is walked; stops at MAX_STRICT_ERRORS.
 */
export function duplicateFieldPaths(document: unknown, root = ''): string[] {
  const found: string[] = [];
  // Work items: a value to walk, or a duplicate to report once the first value of its key has
  // been walked (where the repeated key stands in the document). Pushed in reverse order.
  type Item = { value: unknown; path: string } | { duplicate: string };
  const stack: Item[] = [{ value: document, path: root }];
  while (stack.length > 0 && found.length < MAX_STRICT_ERRORS) {
    const item = stack.pop()!;
    if ('duplicate' in item) {
      if (!found.includes(item.duplicate)) found.push(item.duplicate);
      continue;
    }
    const { value, path } = item;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: `${path}[${i}]` });
    } else if (isPlainObject(value)) {
      const repeatedKeys = duplicateKeys(value);
      const keys = Object.keys(value);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i]!;
        const child = path === '' ? key : `${path}.${key}`;
        if (repeatedKeys.includes(key)) stack.push({ duplicate: child });
        stack.push({ value: value[key], path: child });
      }
    }
  }
  return found;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}
