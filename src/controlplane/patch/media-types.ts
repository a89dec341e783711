/**
 * The patch media types, which of them a kind accepts, and kube-apiserver's answer to the rest.
 */

import type { TypeMeta } from './patch-meta.js';
import { PatchError } from './patch-error.js';

export const JSON_PATCH_TYPE = 'application/json-patch+json';
export const MERGE_PATCH_TYPE = 'application/merge-patch+json';
export const STRATEGIC_MERGE_PATCH_TYPE = 'application/strategic-merge-patch+json';
const APPLY_PATCH_TYPES = ['application/apply-patch+yaml', 'application/apply-patch+cbor'];

/** The Content-Type without parameters ("; charset=utf-8"), as kube-apiserver reads it. */
export function patchMediaType(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  return semicolon > 0 ? contentType.slice(0, semicolon) : contentType;
}

/** The patch media types a kind accepts, in kube-apiserver's order: strategic merge only for kinds with patch metadata (`type`). */
export function acceptedPatchTypes(type: TypeMeta | undefined): string[] {
  const types = [JSON_PATCH_TYPE, MERGE_PATCH_TYPE];
  if (type) types.push(STRATEGIC_MERGE_PATCH_TYPE);
  return types;
}

/** 415 UnsupportedMediaType, worded as kube-apiserver's; server-side apply is named as unsupported. */
export function unsupportedMediaType(type: TypeMeta | undefined, mediaType: string): PatchError {
  const accepted = acceptedPatchTypes(type).join(', ');
  const apply = APPLY_PATCH_TYPES.includes(mediaType) ? ' (hostpod does not support server-side apply)' : '';
  return new PatchError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted}${apply}`);
}
