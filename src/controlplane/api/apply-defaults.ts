/** The defaulting the API server applies to every object it decodes, request body or storage. */
import { cloneJson, isJsonObject, type JsonObject } from '../../api/defaults/json.js';
import { groupVersion, type ResourceDefinition } from '../resources/definition.js';

/**
 * A copy of `object` with the API server's defaults for its resource filled in; the input is not
 * changed. Idempotent, so it can run again after admission has added fields. apiVersion and
 * kind are filled from the definition when absent; a resource without defaults is only copied.
 * With `inPlace`, a caller that owns `object` (a copy made for this write, shared with no one)
 * has it defaulted and returned as is: the deep copy is the most of the time defaulting takes.
 */
export function applyDefaults(definition: Pick<ResourceDefinition, 'group' | 'version' | 'kind' | 'defaults'>, object: Record<string, unknown>, options: { inPlace?: boolean } = {}): Record<string, unknown> {
  const copy: JsonObject = !isJsonObject(object) ? {} : options.inPlace === true ? object : cloneJson(object);
  if (copy['apiVersion'] === undefined) copy['apiVersion'] = groupVersion(definition);
  if (copy['kind'] === undefined) copy['kind'] = definition.kind;
  definition.defaults?.(copy);
  return copy;
}
