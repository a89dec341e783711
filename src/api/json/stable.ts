/**
 * JSON with every object's keys in sorted order: the same text for equal values whatever order
 * their keys came in (a hash of a template, or a comparison with what the API server sent back,
 * which may order an object's fields otherwise than they were sent). BigInts are written as
 * their digits.
 * `omit` leaves out the members whose key it names, at any depth.
 */
export function stableJson(value: unknown, omit?: (key: string) => boolean): string {
  return JSON.stringify(value, (key, v: unknown) => {
    if (omit !== undefined && key !== '' && omit(key)) return undefined;
    if (typeof v === 'bigint') return v.toString();
    if (v && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return v;
  }) ?? 'null';
}
