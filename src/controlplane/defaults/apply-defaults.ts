/** The defaulting the API server applies to every object it decodes, request body or storage. */
import { cloneJson, isJsonObject, type JsonObject } from './json.js';
import { kindRules, splitKindKey } from './kinds.js';

/**
 * A copy of `object` with the API server's defaults for its kind filled in; the input is not
 * changed. Idempotent, so it can run again after admission has added fields. apiVersion and
 * kind are filled from the key when absent; an unknown kind is only copied.
 */
export function applyDefaults(kindKey: string, object: Record<string, unknown>): Record<string, unknown> {
  const copy: JsonObject = isJsonObject(object) ? cloneJson(object) : {};
  const { apiVersion, kind } = splitKindKey(kindKey);
  if (copy['apiVersion'] === undefined && apiVersion !== '') copy['apiVersion'] = apiVersion;
  if (copy['kind'] === undefined && kind !== '') copy['kind'] = kind;
  kindRules(kindKey).defaults?.(copy);
  return copy;
}
