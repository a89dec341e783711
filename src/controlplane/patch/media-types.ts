/**
 * The patch media types, which of them a kind accepts, and kube-apiserver's answer to the rest.
 */

import type { TypeMeta } from './patch-meta.js';
import { PatchError } from './patch-error.js';

export const JSON_PATCH_TYPE = 'application/json-patch+json';
export const MERGE_PATCH_TYPE = 'application/merge-patch+json';
export const STRATEGIC_MERGE_PATCH_TYPE = 'application/strategic-merge-patch+json';
export const APPLY_PATCH_YAML_TYPE = 'application/apply-patch+yaml';

/** The Content-Type without parameters ("; charset=utf-8"), as kube-apiserver reads it. */
export function patchMediaType(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  return semicolon > 0 ? contentType.slice(0, semicolon) : contentType;
}

/**
 * The patch media types a kind accepts, in kube-apiserver's order: strategic merge only for kinds
 * with patch metadata (`type`), server-side apply (YAML) for all (CBOR is behind a feature gate
 * kube-apiserver 1.36 leaves off).
 */
export function acceptedPatchTypes(type: TypeMeta | undefined): string[] {
  const types = [JSON_PATCH_TYPE, MERGE_PATCH_TYPE];
  if (type) types.push(STRATEGIC_MERGE_PATCH_TYPE);
  types.push(APPLY_PATCH_YAML_TYPE);
  return types;
}

/**
 * 415 UnsupportedMediaType, as kube-apiserver answers: for a built-in kind (one with patch
 * metadata) its router's bare `415: Unsupported Media Type`, since the route consumes only the
 * accepted types; for a custom resource its patch handler's list of what it accepts.
 */
export function unsupportedMediaType(type: TypeMeta | undefined, _mediaType: string): PatchError {
  if (type) return new PatchError(415, 'UnsupportedMediaType', '415: Unsupported Media Type', undefined, {});
  const accepted = acceptedPatchTypes(type).join(', ');
  return new PatchError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted}`);
}
