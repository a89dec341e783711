/** How deep JSON values nest, and how deep hostpod lets stored objects and patches nest. */

/**
 * hostpod's limit on the nesting of a stored object and of a patch. Go's decoder admits 10,000
 * levels, and kube-apiserver handles them with Go's growable stacks; hostpod's clone, patch and
 * validation code recurses on the JavaScript stack, which holds a few thousand frames. No
 * Kubernetes type nests beyond a few dozen levels, so only unknown fields (which decoding drops)
 * and free-form fields (managedFields[].fieldsV1) can reach this limit.
 */
export const MAX_OBJECT_DEPTH = 1000;

/**
 * The nesting depth of `value` (a scalar is 0, `{}` and `[]` are 1, `{"a":[]}` is 2), or
 * `limit + 1` as soon as it is known to exceed `limit`. Iterative: any depth is measured.
 */
export function nestingDepth(value: unknown, limit = Number.POSITIVE_INFINITY): number {
  let deepest = 0;
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    const v = item.value;
    if (typeof v !== 'object' || v === null) continue;
    const proto = Object.getPrototypeOf(v) as unknown;
    if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) continue;
    const depth = item.depth + 1;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return limit + 1;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push({ value: child as unknown, depth });
  }
  return deepest;
}
