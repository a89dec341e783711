/**
 * The shape check kube-apiserver's typed decoding makes of a strategically patched object: a
 * field that holds a struct, map or list must still hold one (or null).
 */

import { goKind, goQuote } from './go-format.js';
import { getOwn, isJsonObject, type JsonObject, type JsonValue } from './json-value.js';
import type { TypeMeta } from './patch-meta.js';
import { undecodable } from './patch-error.js';

/**
 * Throws 422 Invalid, worded as runtime.DefaultUnstructuredConverter's failure, when a field the
 * metadata knows holds the wrong kind of value. `printPatch` gives the patch as Go prints it.
 */
export function checkDecodable(object: JsonObject, type: TypeMeta, printPatch: () => string): void {
  const problem = shapeProblem(object, type);
  if (problem !== undefined) throw undecodable(goQuote(printPatch()), problem);
}

function shapeProblem(value: JsonValue, type: TypeMeta): string | undefined {
  if (value === null) return undefined;
  switch (type.kind) {
    case 'struct': {
      if (!isJsonObject(value)) return `cannot restore struct from: ${goKind(value)}`;
      for (const [key, field] of Object.entries(type.fields ?? {})) {
        const item = getOwn(value, key);
        const problem = item === undefined || !field.type ? undefined : shapeProblem(item, field.type);
        if (problem !== undefined) return problem;
      }
      return undefined;
    }
    case 'map':
      if (!isJsonObject(value)) return `cannot restore map from ${goKind(value)}`;
      return elementsProblem(Object.values(value), type.elem);
    case 'list':
      if (!Array.isArray(value)) return `cannot restore slice from ${goKind(value)}`;
      return elementsProblem(value, type.elem);
  }
}

function elementsProblem(items: JsonValue[], elem: TypeMeta | undefined): string | undefined {
  if (!elem) return undefined;
  for (const item of items) {
    const problem = shapeProblem(item, elem);
    if (problem !== undefined) return problem;
  }
  return undefined;
}
