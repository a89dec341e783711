/**
 * A DaemonSet's history, kept as the DaemonSet controller keeps it (constructHistory, snapshot
 * and cleanupHistory in pkg/controller/daemon/update.go): one ControllerRevision per template
 * the DaemonSet has had, owned by it, named after the template's hash and holding a strategic
 * merge patch that puts the template back (what `kubectl rollout undo` applies). The current
 * template's revision has the highest number, so going back to an old template renumbers its
 * revision; old revisions beyond revisionHistoryLimit go, unless a live pod still runs them.
 */
import type { ObjectApi } from '../api/object-api.js';
import { metaOf, withMeta, type Obj } from '../api/object-meta.js';
import { matchesLabels, type LabelSelector } from '../api/selectors.js';
import { StatusError } from '../api/status-error.js';
import { semanticEqual } from '../../api/defaults/index.js';
import { AS_CONTROLLER, resource } from './context.js';

const REVISION_HASH_LABEL = 'controller-revision-hash';
const DEFAULT_HISTORY_LIMIT = 10;

/**
 * Brings `ds`'s history up to date for its current template, whose hash is `hash`; `selector` is
 * its own, `pods` are its pods, whose templates' revisions are kept whatever the limit.
 */
export function syncHistory(api: ObjectApi, ds: Obj, hash: string, selector: LabelSelector, pods: readonly Obj[]): void {
  const revisions = resource('controllerrevisions', 'apps');
  const meta = metaOf(ds);
  const namespace = meta.namespace ?? '';
  const controllerRef = { apiVersion: 'apps/v1', kind: 'DaemonSet', name: meta.name ?? '', uid: meta.uid ?? '', controller: true, blockOwnerDeletion: true };
  const owned: Obj[] = [];
  for (const revision of candidates(api, ds, revisions, namespace, selector)) {
    const refs = metaOf(revision).ownerReferences ?? [];
    if (refs.some((ref) => ref.controller && ref.uid === meta.uid)) owned.push(revision);
    // As ClaimControllerRevisions: an orphan the selector matches is adopted (the history of a
    // DaemonSet deleted with --cascade=orphan and made again).
    else if (!refs.some((ref) => ref.controller) && matchesLabels(selector, metaOf(revision).labels) && metaOf(revision).deletionTimestamp === undefined) {
      const adopted = api.mutate(revisions, namespace, metaOf(revision).name ?? '', (r) => withMeta(r, { ownerReferences: [...(metaOf(r).ownerReferences ?? []), controllerRef] }), AS_CONTROLLER);
      if (adopted) owned.push(adopted);
    }
  }
  const data = revisionData(ds);
  const current = owned.filter((r) => semanticEqual(r['data'], data));
  const old = owned.filter((r) => !current.includes(r));
  const next = Math.max(0, ...old.map(revisionOf)) + 1;
  const [existing] = current;
  if (existing === undefined) {
    const template = ((ds['spec'] as Obj | undefined)?.['template'] ?? {}) as { metadata?: { labels?: Record<string, string> } };
    try {
      api.create(revisions, namespace, {
        apiVersion: 'apps/v1', kind: 'ControllerRevision',
        metadata: {
          name: `${meta.name ?? ''}-${hash}`, namespace,
          labels: { ...template.metadata?.labels, [REVISION_HASH_LABEL]: hash },
          ...(meta.annotations ? { annotations: meta.annotations } : {}),
          ownerReferences: [controllerRef],
        },
        data,
        revision: next,
      }, AS_CONTROLLER);
    } catch (error) {
      // A DaemonSet being deleted takes no new revision; a revision made meanwhile is as good.
      if (!(error instanceof StatusError && [403, 409].includes(error.code))) throw error;
    }
  } else if (revisionOf(existing) < next) {
    api.mutate(revisions, namespace, metaOf(existing).name ?? '', (r) => ({ ...r, revision: next }), AS_CONTROLLER);
  }
  cleanUp(api, ds, old, pods);
}

/**
 * What a revision holds: `{"spec":{"template":{...,"$patch":"replace"}}}` with every map's keys
 * sorted, as getPatch writes it through Go's map encoding (kubectl compares it with its own).
 */
export function revisionData(ds: Obj): Obj {
  const template = ((ds['spec'] as Obj | undefined)?.['template'] ?? {}) as Obj;
  return sorted({ spec: { template: { ...template, $patch: 'replace' } } }) as Obj;
}

/** Deletes the oldest revisions beyond the limit that no live pod runs. */
function cleanUp(api: ObjectApi, ds: Obj, old: readonly Obj[], pods: readonly Obj[]): void {
  const limit = Number(((ds['spec'] as Obj | undefined)?.['revisionHistoryLimit']) ?? DEFAULT_HISTORY_LIMIT);
  const running = new Set(pods.filter((p) => metaOf(p).deletionTimestamp === undefined).map((p) => metaOf(p).labels?.[REVISION_HASH_LABEL]));
  const removable = old.filter((r) => !running.has(metaOf(r).labels?.[REVISION_HASH_LABEL])).sort((a, b) => revisionOf(a) - revisionOf(b));
  for (const revision of removable.slice(0, Math.max(0, old.length - limit))) {
    try {
      api.delete(resource('controllerrevisions', 'apps'), metaOf(revision).namespace ?? '', metaOf(revision).name ?? '', {}, AS_CONTROLLER);
    } catch (error) {
      if (!(error instanceof StatusError && error.code === 404)) throw error;
    }
  }
}

function revisionOf(revision: Obj): number {
  return Number(revision['revision'] ?? 0);
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sorted((value as Obj)[key])]));
}

/**
 * The revisions `ds` may own, in name order: those that name it as their owner (its own) and those
 * its selector's `key=value` requirements could match (orphans to adopt), each read once; with
 * no such requirement, all. Only these are parsed, not the whole namespace's history.
 */
function candidates(api: ObjectApi, ds: Obj, revisions: ReturnType<typeof resource>, namespace: string, selector: LabelSelector): Obj[] {
  const uid = metaOf(ds).uid;
  const equalities = selector.flatMap((r) => (r.op === 'in' && r.values.length === 1 ? [`${r.key}=${r.values[0]!}`] : []));
  if (!uid || equalities.length === 0) return api.list(revisions, namespace, {}, { shared: true }).items;
  const byName = new Map<string, Obj>();
  for (const list of [api.list(revisions, namespace, { referencing: uid }, { shared: true }), api.list(revisions, namespace, { labelSelector: equalities.join(',') }, { shared: true })]) {
    for (const revision of list.items) byName.set(metaOf(revision).name ?? '', revision);
  }
  return [...byName.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, revision]) => revision);
}
