/**
 * PATCH for the embedded API server: JSON patch, JSON merge patch and strategic merge patch,
 * applied and refused as kube-apiserver applies and refuses them. Server-side apply is not
 * supported.
 */

import { jsonWord } from './go-format.js';
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
import { patchMetaFor } from './patch-meta.js';
import { badRequest, undecodable } from './patch-error.js';
import { applyStrategicMergePatch } from './strategic-merge.js';

export { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from './json-patch.js';
export { applyMergePatch } from './merge-patch.js';
export { applyStrategicMergePatch } from './strategic-merge.js';
export { PatchError } from './patch-error.js';
export type { JsonObject, JsonValue } from './json-value.js';
export { acceptedPatchTypes, JSON_PATCH_TYPE, MERGE_PATCH_TYPE, STRATEGIC_MERGE_PATCH_TYPE } from './media-types.js';
export { patchMetaFor, strategicMergeKinds } from './patch-meta.js';

/**
 * Applies a PATCH request's body to `original`, an object of the kind `kindKey`
 * ("apiVersion/Kind"), choosing the patch type by `contentType` (parameters such as
 * "; charset=utf-8" are ignored). `patchBody` is the raw body (a Uint8Array or string) or the
 * body already decoded from JSON.
 * @throws PatchError 415 for a media type the kind does not take (server-side apply included),
 *   and the patch type's own errors otherwise.
 */
export function applyPatch(contentType: string, kindKey: string, original: unknown, patchBody: unknown): JsonObject {
  const mediaType = patchMediaType(contentType);
  switch (mediaType) {
    case JSON_PATCH_TYPE:
      return asObject(applyJsonPatch(original, decodeBody(patchBody, 'error decoding patch: ')));
    case MERGE_PATCH_TYPE:
      return asObject(applyMergePatch(original, decodeBody(patchBody, 'error decoding patch: ')));
    case STRATEGIC_MERGE_PATCH_TYPE:
      if (patchMetaFor(kindKey)) return applyStrategicMergePatch(kindKey, original, decodeBody(patchBody, ''));
  }
  throw unsupportedMediaType(kindKey, mediaType);
}

/** Parses a raw body; kube-apiserver prefixes its decoding errors for JSON and merge patches. */
function decodeBody(body: unknown, errorPrefix: string): unknown {
  if (!(body instanceof Uint8Array) && typeof body !== 'string') return body;
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  if (text.trim() === '') throw badRequest(`${errorPrefix}unexpected end of JSON input`);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // JavaScript's syntax error texts differ from Go's; the status code and prefix match.
    throw badRequest(`${errorPrefix}${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A patched document that is not an object fails kube-apiserver's decoding before anything else. */
function asObject(patched: JsonValue): JsonObject {
  if (isJsonObject(patched)) return patched;
  const detail = `couldn't get version/kind; json parse error: json: cannot unmarshal ${jsonWord(patched)} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`;
  throw undecodable(JSON.stringify(JSON.stringify(patched)), detail);
}
