/**
 * An apply request's body and options, checked as kube-apiserver checks them before it merges
 * anything: the PatchOptions (fieldManager required, force only for applies), the configuration
 * (YAML or JSON, an object of the URL's kind and name, without managedFields), and its fields
 * against the kind's schema.
 */
import { parse } from 'yaml';
import { badRequest, StatusError } from '../api/status-error.js';
import { invalidPatchOptions } from './patch-options.js';
import { isJsonObject, type JsonObject } from '../patch/json-value.js';
import type { FieldTypes } from './field-types.js';
import { typeErrors } from './type-check.js';

export const APPLY_PATCH_YAML = 'application/apply-patch+yaml';

/** Who the request is, as far as field ownership goes: its fieldManager option, its User-Agent, its force option. */
export interface FieldOwner {
  fieldManager?: string;
  userAgent?: string;
  force?: boolean;
}

/** The manager of a write: its fieldManager, else its User-Agent up to the first "/" (upstream's prefixFromUserAgent). */
export function managerOf(owner: FieldOwner, fallback: string): string {
  if (owner.fieldManager) return owner.fieldManager;
  if (owner.userAgent === undefined) return fallback;
  return owner.userAgent.split('/')[0]!.slice(0, 128);
}

/**
 * The PatchOptions checks: an apply needs a fieldManager, and only an apply may force.
 * @throws StatusError 422 as `PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch`
 */
export function checkPatchOptions(apply: boolean, owner: FieldOwner): void {
  if (apply && !owner.fieldManager) {
    throw invalidPatchOptions([{ field: 'fieldManager', reason: 'FieldValueRequired', message: 'Required value: is required for apply patch' }]);
  }
  if (!apply && owner.force !== undefined) {
    throw invalidPatchOptions([{ field: 'force', reason: 'FieldValueForbidden', message: 'Forbidden: may not be specified for non-apply patch' }]);
  }
}

/** Go's GroupVersionKind.String(): `apps/v1, Kind=DaemonSet`, `/v1, Kind=ConfigMap`. */
function gvkString(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf('/');
  const [group, version] = slash < 0 ? ['', apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
  return `${group}/${version}, Kind=${kind}`;
}

export interface ApplyTarget {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  types: FieldTypes;
}

/**
 * The configuration of an apply request, checked.
 * @throws StatusError 400 for a body that is not an object of the URL's kind and name or that
 *   carries managedFields; 500 for fields the kind's schema does not declare or of the wrong
 *   type (`failed to create typed patch object (...)`), as kube-apiserver answers
 */
export function readApplyConfig(body: Uint8Array | string, target: ApplyTarget): JsonObject {
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  let parsed: unknown;
  try {
    parsed = parse(text, { intAsBigInt: false, uniqueKeys: false });
  } catch (error) {
    throw badRequest(`error decoding YAML: ${(error as Error).message}`);
  }
  if (!isJsonObject(parsed)) throw badRequest(`error decoding YAML: the body is not an object`);
  const config = parsed;
  const metadata = isJsonObject(config['metadata']) ? config['metadata'] : {};
  if (metadata['managedFields'] !== undefined && metadata['managedFields'] !== null) throw badRequest('metadata.managedFields must be nil');
  const apiVersion = typeof config['apiVersion'] === 'string' ? config['apiVersion'] : '';
  const kind = typeof config['kind'] === 'string' ? config['kind'] : '';
  if (apiVersion !== target.apiVersion || kind !== target.kind) throw badRequest(`invalid object type: ${gvkString(apiVersion, kind)}`);
  const name = typeof metadata['name'] === 'string' ? metadata['name'] : '';
  if (name !== target.name) throw badRequest(`the name of the object (${name}) does not match the name on the URL (${target.name})`);
  const namespace = typeof metadata['namespace'] === 'string' ? metadata['namespace'] : '';
  if (namespace !== '' && target.namespace !== '' && namespace !== target.namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const errors = typeErrors(target.types, target.types.root, config);
  if (errors.length > 0) {
    const detail = errors.length === 1 ? errors[0]! : `errors:\n  ${errors.join('\n  ')}`;
    throw new StatusError(500, '', `failed to create typed patch object (${namespace}/${name}; ${gvkString(apiVersion, kind)}): ${detail}`);
  }
  return config;
}
