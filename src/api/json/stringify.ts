/**
 * JSON encoding of objects for the wire and the store. JSON.stringify, except that BigInts (the
 * int64 values beyond 2^53 that the parser keeps exact) are written as their digits, and that
 * no nesting depth overflows the stack.
 *
 * JSON.stringify does the work whenever it can (it is native and fast); only a value it refuses
 * (a BigInt: TypeError, or nesting deeper than its recursion allows: RangeError) is encoded by
 * the iterative encoder below, which follows JSON.stringify's rules otherwise (toJSON, undefined
 * and functions dropped from objects and null in lists, non-finite numbers as null).
 */

/** Encodes a value as JSON; `undefined` (or a function) at the top encodes as `null`. */
export function stringifyJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch (error) {
    if (!(error instanceof TypeError) && !(error instanceof RangeError)) throw error;
  }
  return encodeIteratively(value);
}

type Work =
  | { type: 'value'; key: string; value: unknown; prepared: boolean }
  | { type: 'text'; text: string }
  | { type: 'leave'; container: object };

/**
 * The encoder for what JSON.stringify refuses. A work stack replaces recursion; object members
 * are emitted with their separators as they are reached, so the output is built in one pass.
 * @throws TypeError for a cyclic structure, as JSON.stringify does
 */
function encodeIteratively(root: unknown): string {
  const out: string[] = [];
  const ancestors = new Set<object>();
  const work: Work[] = [{ type: 'value', key: '', value: root, prepared: false }];
  while (work.length > 0) {
    const item = work.pop()!;
    if (item.type === 'text') {
      out.push(item.text);
      continue;
    }
    if (item.type === 'leave') {
      ancestors.delete(item.container);
      continue;
    }
    const value = item.prepared ? item.value : jsonValue(item.value, item.key);
    const scalar = encodeScalar(value);
    if (scalar !== undefined) {
      out.push(scalar);
      continue;
    }
    if (typeof value !== 'object' || value === null) {
      // undefined, a function or a symbol: null in a list (objects skip such members before here).
      out.push('null');
      continue;
    }
    if (ancestors.has(value)) throw new TypeError('Converting circular structure to JSON');
    ancestors.add(value);
    // Pushed in reverse: the closing bracket first, then the members from last to first.
    const members: Work[] = [];
    if (Array.isArray(value)) {
      members.push({ type: 'text', text: '[' });
      for (let i = 0; i < value.length; i++) {
        if (i > 0) members.push({ type: 'text', text: ',' });
        members.push({ type: 'value', key: String(i), value: value[i] as unknown, prepared: false });
      }
      members.push({ type: 'text', text: ']' });
    } else {
      members.push({ type: 'text', text: '{' });
      let first = true;
      for (const key of Object.keys(value)) {
        const member = jsonValue((value as Record<string, unknown>)[key], key);
        if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
        members.push({ type: 'text', text: `${first ? '' : ','}${JSON.stringify(key)}:` });
        members.push({ type: 'value', key, value: member, prepared: true });
        first = false;
      }
      members.push({ type: 'text', text: '}' });
    }
    work.push({ type: 'leave', container: value });
    for (let i = members.length - 1; i >= 0; i--) work.push(members[i]!);
  }
  return out.join('');
}

/** The value JSON.stringify would encode for `value`: toJSON applied, boxed primitives unboxed. */
function jsonValue(value: unknown, key: string): unknown {
  let v = value;
  if (typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    v = (v as { toJSON(key: string): unknown }).toJSON(key);
  }
  if (v instanceof Number || v instanceof String || v instanceof Boolean) v = v.valueOf();
  return v;
}

/** The encoding of a scalar, or undefined for objects, lists and what JSON cannot hold. */
function encodeScalar(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      return value === null ? 'null' : undefined;
    default:
      return undefined;
  }
}
