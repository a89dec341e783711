/**
 * Controller references, as kube-controller-manager's ControllerRefManager claims objects: an
 * object whose controller is the owner and that the owner's selector still matches is kept, one
 * the selector no longer matches is released (its reference removed), and an orphan the selector
 * matches is adopted (a controller reference added), unless the owner or the object is being
 * deleted.
 */
import type { ObjectApi } from '../api/object-api.js';
import { metaOf, type Obj } from '../api/object-meta.js';
import { matchesLabels, type LabelSelector } from '../api/selectors.js';
import { StatusError } from '../api/status-error.js';
import type { ResourceDefinition } from '../resources/index.js';
import { AS_CONTROLLER } from './context.js';

/** The controller reference an owner of `kind` (apps/v1) puts on what it controls. */
export function controllerRefTo(owner: Obj, kind: string): Obj {
  const meta = metaOf(owner);
  return { apiVersion: 'apps/v1', kind, name: meta.name, uid: meta.uid, controller: true, blockOwnerDeletion: true };
}

/** The uid of an object's controller, if it has one. */
export function controllerUidOf(object: Obj): string | undefined {
  return metaOf(object).ownerReferences?.find((r) => r.controller === true)?.uid;
}

/** The name of an object's controller of `kind` (apps/v1), if it has one. */
export function controllerNameOf(object: Obj, kind: string): string | undefined {
  return metaOf(object).ownerReferences?.find((r) => r.controller === true && r.kind === kind && r.apiVersion.startsWith('apps/'))?.name;
}

/**
 * The objects among `candidates` that `owner` controls after adopting and releasing: what a
 * controller then counts as its own.
 */
export function claim(api: ObjectApi, info: ResourceDefinition, owner: Obj, kind: string, selector: LabelSelector, candidates: readonly Obj[]): Obj[] {
  const uid = metaOf(owner).uid;
  const ownerDeleting = metaOf(owner).deletionTimestamp !== undefined;
  const claimed: Obj[] = [];
  for (const object of candidates) {
    const meta = metaOf(object);
    const matches = matchesLabels(selector, meta.labels);
    const controller = controllerUidOf(object);
    if (controller === uid) {
      if (matches || ownerDeleting) claimed.push(object);
      else change(api, info, object, (refs) => refs.filter((r) => r['uid'] !== uid));
    } else if (controller === undefined && matches && !ownerDeleting && meta.deletionTimestamp === undefined) {
      const adopted = change(api, info, object, (refs) => [...refs, controllerRefTo(owner, kind)]);
      if (adopted && controllerUidOf(adopted) === uid) claimed.push(adopted);
    }
  }
  return claimed;
}

function change(api: ObjectApi, info: ResourceDefinition, object: Obj, refs: (current: Obj[]) => Obj[]): Obj | undefined {
  const meta = metaOf(object);
  try {
    return api.mutate(info, meta.namespace ?? '', meta.name ?? '', (current) => {
      const currentMeta = (current['metadata'] ?? {}) as Obj;
      // Another controller may have claimed it meanwhile: leave it then.
      const existing = (currentMeta['ownerReferences'] ?? []) as Obj[];
      const next = refs(existing);
      if (next.length > existing.length && existing.some((r) => r['controller'] === true)) return undefined;
      // The last reference released leaves no list, as upstream's patch leaves none.
      const metadata: Obj = { ...currentMeta, ownerReferences: next };
      if (next.length === 0) delete metadata['ownerReferences'];
      return { ...current, metadata };
    }, AS_CONTROLLER);
  } catch (error) {
    if (error instanceof StatusError && (error.code === 404 || error.code === 422)) return undefined;
    throw error;
  }
}
