/** The defaulting the API server applies to every object it decodes, request body or storage. */
import { cloneJson, isJsonObject, type JsonObject } from '../../api/defaults/json.js';
import { groupVersion, type ResourceDefinition } from '../resources/definition.js';

/**
 * A copy of `object` with the API server's defaults for its resource filled in; the input is not
 * changed. Idempotent, so it can run again after admission has added fields. apiVersion and
 * kind are filled from the definition when absent; a resource without defaults is only copied.
 */
export function applyDefaults(definition: Pick<ResourceDefinition, 'group' | 'version' | 'kind' | 'defaults'>, object: Record<string, unknown>): Record<string, unknown> {
  const copy: JsonObject = isJsonObject(object) ? cloneJson(object) : {};
  if (copy['apiVersion'] === undefined) copy['apiVersion'] = groupVersion(definition);
  if (copy['kind'] === undefined) copy['kind'] = definition.kind;
  definition.defaults?.(copy);
  return copy;
}
