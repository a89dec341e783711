/**
 * PATCH for the embedded API server: JSON patch, JSON merge patch and strategic merge patch,
 * applied and refused as kube-apiserver applies and refuses them. Server-side apply is the field
 * manager's (src/controlplane/fieldmanager), which the object API calls instead. The typed
 * decoding of the result, with the request's field validation, is the registry's
 * (api/field-validation.ts), as for any other write.
 */

import { JsonSyntaxError, MAX_OBJECT_DEPTH, nestingDepth, parseJson, stringifyJson } from '../../api/json/index.js';
import { goQuote, goValue, jsonWord } from './go-format.js';
import { applyJsonPatch } from './json-patch.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json-value.js';
import { applyMergePatch } from './merge-patch.js';
import {
  JSON_PATCH_TYPE,
  MERGE_PATCH_TYPE,
  patchMediaType,
  STRATEGIC_MERGE_PATCH_TYPE,
  unsupportedMediaType,
} from './media-types.js';
import type { TypeMeta } from './patch-meta.js';
import { badRequest, undecodable } from './patch-error.js';
import { strategicMerge } from './strategic-merge.js';

export { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from './json-patch.js';
export { applyMergePatch } from './merge-patch.js';
export { applyStrategicMergePatch } from './strategic-merge.js';
export { PatchError, undecodable, type PatchErrorDetails } from './patch-error.js';
export { patchStrictErrors } from './strict.js';
export { compareGoStrings, type JsonObject, type JsonValue } from './json-value.js';
export { acceptedPatchTypes, JSON_PATCH_TYPE, MERGE_PATCH_TYPE, STRATEGIC_MERGE_PATCH_TYPE } from './media-types.js';
export type { TypeMeta } from './patch-meta.js';

/**
 * Applies a PATCH request's body to `original`, an object of a kind whose patch metadata is
 * `type` (none: the kind takes no strategic merge patch), choosing the patch type by
 * `contentType` (parameters such as "; charset=utf-8" are ignored). `patchBody` is the raw body
 * (a Uint8Array or string) or the body already decoded from JSON.
 * @throws PatchError 415 for a media type the kind does not take (server-side apply is not this module's),
 *   and the patch type's own errors otherwise.
 */
export function applyPatch(contentType: string, type: TypeMeta | undefined, original: unknown, patchBody: unknown): JsonObject {
  return patchObject(contentType, type, original, decodePatch(contentType, type, patchBody)).object;
}

/** A patched object, and how kube-apiserver shows it when it cannot decode it into its kind. */
export interface Patched {
  object: JsonObject;
  /**
   * What a failure to decode it names as the invalid value of "patch", quoted: the patched JSON
   * (JSON and merge patch), or the patch map as Go prints it after the merge (strategic merge).
   */
  shown(): string;
  /**
   * Whether kube-apiserver decodes it from a map with its unstructured converter (a strategic
   * merge's result), which sorts the unknown fields it reports and has its own words for a field
   * of the wrong type; otherwise from the patched JSON, in its order.
   */
  fromMap: boolean;
}

/**
 * Applies a patch already decoded (`decodePatch`) to `original`.
 * @throws PatchError the patch type's own errors
 */
export function patchObject(contentType: string, type: TypeMeta | undefined, original: unknown, patch: unknown): Patched {
  const asJson = (object: JsonObject): Patched => ({ object, shown: () => goQuote(stringifyJson(object)), fromMap: false });
  switch (patchMediaType(contentType)) {
    case JSON_PATCH_TYPE:
      return asJson(asObject(applyJsonPatch(original, patch)));
    case MERGE_PATCH_TYPE:
      return asJson(asObject(applyMergePatch(original, patch)));
    default: {
      const merged = strategicMerge(type, original, patch);
      return { object: merged.object, shown: () => goQuote(goValue(merged.patch)), fromMap: true };
    }
  }
}

/**
 * Decodes a PATCH request's body (raw, or already decoded) for the patch type `contentType`
 * names, with kube-apiserver's errors.
 * @throws PatchError 415 for a media type the kind does not take, 400 for a body that is not JSON
 */
export function decodePatch(contentType: string, type: TypeMeta | undefined, patchBody: unknown): unknown {
  const mediaType = patchMediaType(contentType);
  switch (mediaType) {
    case JSON_PATCH_TYPE:
    case MERGE_PATCH_TYPE:
      return decodeBody(patchBody, 'error decoding patch: ');
    case STRATEGIC_MERGE_PATCH_TYPE:
      if (type) return decodeBody(patchBody, '');
  }
  throw unsupportedMediaType(type, mediaType);
}

/**
 * Parses a raw body as kube-apiserver's decoder does (src/api/json: Go's syntax errors and its
 * 10,000-level limit, exact int64 values, duplicate keys recorded), then holds it to hostpod's
 * own depth limit, which the recursive patch code needs. kube-apiserver prefixes its decoding
 * errors for JSON and merge patches.
 */
function decodeBody(body: unknown, errorPrefix: string): unknown {
  let decoded = body;
  if (body instanceof Uint8Array || typeof body === 'string') {
    // Invalid UTF-8 becomes U+FFFD, as Go's decoder reads it inside strings.
    const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
    try {
      decoded = parseJson(text);
    } catch (error) {
      if (error instanceof JsonSyntaxError) throw badRequest(`${errorPrefix}${error.message}`);
      throw error;
    }
  }
  const depth = nestingDepth(decoded, MAX_OBJECT_DEPTH);
  if (depth > MAX_OBJECT_DEPTH) {
    throw badRequest(`${errorPrefix}hostpod applies patches nested at most ${MAX_OBJECT_DEPTH} levels deep (kube-apiserver admits 10000); this patch nests deeper`);
  }
  return decoded;
}

/** A patched document that is not an object fails kube-apiserver's decoding before anything else. */
function asObject(patched: JsonValue): JsonObject {
  if (isJsonObject(patched)) return patched;
  const detail = `couldn't get version/kind; json parse error: json: cannot unmarshal ${jsonWord(patched)} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`;
  throw undecodable(JSON.stringify(stringifyJson(patched)), detail);
}
