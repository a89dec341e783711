/**
 * Where a field of a YAML document is: `spec.template.spec.containers[0].args` to its line and
 * column, for reports that point at the field rather than the object (SARIF).
 */
import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';

export interface Position {
  line: number;
  column: number;
}

/** Splits `a.b[0].c[key]` into `['a', 'b', 0, 'c', 'key']`; Kubernetes field paths use `[i]` for list items and `[key]` for map keys. */
function segments(field: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const match of field.matchAll(/([^.[\]]+)|\[([^\]]*)\]/g)) {
    if (match[1] !== undefined) out.push(match[1]);
    else if (match[2] !== undefined) out.push(/^\d+$/.test(match[2]) ? Number(match[2]) : match[2]);
  }
  return out;
}

/**
 * A locator for the document `text` whose first line is line `firstLine` of its file; `prefix`
 * is the path of the object inside the document (`items[3]` for a List item). The document is
 * parsed again only when a position is asked for. Undefined for a field the YAML does not hold
 * (a defaulted one): the nearest ancestor that it holds is returned instead.
 */
export function fieldLocator(text: string, firstLine: number, prefix: Array<string | number> = []): (field: string) => Position | undefined {
  let parsed: { root: Node | null; counter: LineCounter } | undefined;
  return (field) => {
    if (!parsed) {
      const counter = new LineCounter();
      const doc = parseDocument(text, { lineCounter: counter, keepSourceTokens: false, uniqueKeys: false });
      parsed = { root: doc.contents as Node | null, counter };
    }
    let node: Node | null | undefined = parsed.root;
    let found: Node | undefined;
    for (const key of [...prefix, ...segments(field.split(' ')[0] ?? '')]) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key || String((p.key as { value?: unknown } | null)?.value) === String(key));
        // Point at the key of a map entry: that is where an editor shows the field.
        found = (pair?.key as Node | undefined) ?? found;
        node = pair?.value as Node | null | undefined;
        if (!pair) break;
      } else if (isSeq(node) && typeof key === 'number') {
        node = node.items[key] as Node | null | undefined;
        if (node) found = node;
        else break;
      } else {
        break;
      }
    }
    const offset = found?.range?.[0];
    if (offset === undefined) return undefined;
    const pos = parsed.counter.linePos(offset);
    return { line: firstLine + pos.line - 1, column: pos.col };
  };
}
