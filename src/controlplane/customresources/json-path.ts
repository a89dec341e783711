/**
 * The JSONPath of a printer column or a scale subresource's paths: `.spec.replicas`,
 * `.status.conditions[0].type`, `.metadata.labels['app.kubernetes.io/name']`, `.items[*].name`
 * (what CustomResourceDefinitions use; filters and ranges are not read).
 */

/** A field name, a list index, or every item of a list. */
export type JsonPathStep = string | number | { every: true };

/** The path's steps: field names and list indexes (`*` for every item). */
export function parseJsonPath(path: string): JsonPathStep[] | undefined {
  const text = path.replace(/^\{(.*)\}$/, '$1').replace(/^\$/, '');
  const steps: JsonPathStep[] = [];
  const step = /\.([^.[\]]+)|\[(\d+|\*)\]|\[['"]([^'"]*)['"]\]/y;
  let at = 0;
  while (at < text.length) {
    step.lastIndex = at;
    const match = step.exec(text);
    if (!match) return undefined;
    if (match[1] !== undefined) steps.push(match[1]);
    else if (match[2] !== undefined) steps.push(match[2] === '*' ? { every: true } : Number(match[2]));
    else steps.push(match[3]!);
    at = step.lastIndex;
  }
  return steps;
}

/** The values at `path` in `object` (none when it leads nowhere). */
export function readJsonPath(object: unknown, path: string): unknown[] {
  const steps = parseJsonPath(path);
  if (!steps) return [];
  let current: unknown[] = [object];
  for (const s of steps) {
    const next: unknown[] = [];
    for (const value of current) {
      if (typeof s === 'object') {
        if (Array.isArray(value)) next.push(...(value as unknown[]));
      } else if (typeof s === 'number') {
        if (Array.isArray(value) && s < value.length) next.push(value[s]);
      } else if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, s)) {
        next.push((value as Record<string, unknown>)[s]);
      }
    }
    current = next;
  }
  return current;
}
