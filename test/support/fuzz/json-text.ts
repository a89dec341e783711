/**
 * JSON documents as the fuzzer builds and damages them: a tree that can hold what JSON.stringify
 * cannot write (duplicate keys, number literals as written: 1e308, 1.0, 9223372036854775808),
 * written out as text.
 */

export type Doc =
  | { t: 'obj'; entries: [string, Doc][] }
  | { t: 'arr'; items: Doc[] }
  | { t: 'str'; value: string }
  /** A literal written as is: a number, true, false or null. */
  | { t: 'raw'; text: string };

/** A tree from a plain JSON value. */
export function fromJson(value: unknown): Doc {
  if (value === null || value === undefined) return { t: 'raw', text: 'null' };
  if (typeof value === 'string') return { t: 'str', value };
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return { t: 'raw', text: String(value) };
  if (Array.isArray(value)) return { t: 'arr', items: value.map(fromJson) };
  return { t: 'obj', entries: Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, fromJson(v)]) };
}

/** The tree as JSON text. Iterative: trees nest up to 10,001 levels. */
export function toText(doc: Doc): string {
  const out: string[] = [];
  const work: (Doc | string)[] = [doc];
  while (work.length > 0) {
    const item = work.pop()!;
    if (typeof item === 'string') {
      out.push(item);
    } else if (item.t === 'raw') {
      out.push(item.text);
    } else if (item.t === 'str') {
      out.push(JSON.stringify(item.value));
    } else if (item.t === 'arr') {
      const parts: (Doc | string)[] = ['['];
      item.items.forEach((child, i) => parts.push(...(i > 0 ? [',', child] : [child])));
      parts.push(']');
      for (let i = parts.length - 1; i >= 0; i--) work.push(parts[i]!);
    } else {
      const parts: (Doc | string)[] = ['{'];
      item.entries.forEach(([key, child], i) => parts.push(`${i > 0 ? ',' : ''}${JSON.stringify(key)}:`, child));
      parts.push('}');
      for (let i = parts.length - 1; i >= 0; i--) work.push(parts[i]!);
    }
  }
  return out.join('');
}

/** Every subtree of `doc` with the container holding it (undefined for the root). */
export function subtrees(doc: Doc): { node: Doc; parent?: Doc; index: number }[] {
  const found: { node: Doc; parent?: Doc; index: number }[] = [];
  const stack: { node: Doc; parent?: Doc; index: number }[] = [{ node: doc, index: 0 }];
  // Bounded: a deep tree is walked only this far, which is enough to pick a place to damage.
  while (stack.length > 0 && found.length < 2000) {
    const item = stack.pop()!;
    found.push(item);
    const { node } = item;
    if (node.t === 'obj') node.entries.forEach(([, child], index) => stack.push({ node: child, parent: node, index }));
    if (node.t === 'arr') node.items.forEach((child, index) => stack.push({ node: child, parent: node, index }));
  }
  return found;
}

/** `depth` levels of `{"a":` (or `[`) around `inner`. */
export function nest(depth: number, inner: Doc, arrays: boolean): Doc {
  let doc = inner;
  for (let i = 0; i < depth; i++) doc = arrays ? { t: 'arr', items: [doc] } : { t: 'obj', entries: [['a', doc]] };
  return doc;
}
