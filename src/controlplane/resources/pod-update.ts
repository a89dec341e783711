/**
 * What an update may change in a pod's spec (ValidatePodUpdate): container images, the active
 * deadline, added tolerations and a negative grace period raised to 1. Everything else is fixed
 * once the pod exists, since the node agent acts on it.
 */
import { stringifyJson } from '../../api/json/index.js';
import { FieldPath, forbidden } from '../../policy/field.js';
import { type Obj } from '../api/object-meta.js';
import { invalidObject } from '../api/status-error.js';
import { cloneJson, semanticEqual } from '../../api/defaults/json.js';
import type { ResourceDefinition } from './definition.js';

const MESSAGE = 'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,'
  + '`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),'
  + '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** @throws StatusError 422 when the update changes a fixed field */
export function checkPodUpdate(info: ResourceDefinition, object: Obj, current: Obj): void {
  const next = cloneJson((object['spec'] ?? {}) as Obj);
  const old = (current['spec'] ?? {}) as Obj;
  // Make the allowed changes equal on both sides, then anything left over is forbidden.
  for (const field of ['containers', 'initContainers'] as const) {
    const nextList = next[field] as Obj[] | undefined;
    const oldList = old[field] as Obj[] | undefined;
    if (Array.isArray(nextList) && Array.isArray(oldList) && nextList.length === oldList.length) {
      nextList.forEach((c, i) => {
        c['image'] = oldList[i]!['image'];
      });
    }
  }
  next['activeDeadlineSeconds'] = old['activeDeadlineSeconds'];
  const oldTolerations = (old['tolerations'] as unknown[] | undefined) ?? [];
  const nextTolerations = (next['tolerations'] as unknown[] | undefined) ?? [];
  const keepsOld = oldTolerations.every((t) => nextTolerations.some((n) => stringifyJson(n) === stringifyJson(t)));
  if (keepsOld) next['tolerations'] = old['tolerations'];
  const oldGrace = old['terminationGracePeriodSeconds'];
  if (typeof oldGrace === 'number' && oldGrace < 0 && next['terminationGracePeriodSeconds'] === 1) next['terminationGracePeriodSeconds'] = oldGrace;
  if (!semanticEqual(next, old)) throw invalidObject(info, object, [forbidden(FieldPath.root('spec'), MESSAGE)]);
}

