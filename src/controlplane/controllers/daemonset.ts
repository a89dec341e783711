/**
 * The DaemonSet controller: one pod per eligible node, created with a node affinity on
 * `metadata.name` for the scheduler to bind (as upstream since 1.12), owned by the DaemonSet.
 * Rolling updates replace pods of an old template at most `maxUnavailable` at a time, or with
 * `maxSurge` start the new pod beside the old one and delete the old once the new is available; `OnDelete`
 * waits for the user to delete them. The status counts are recomputed on every change, and the
 * template history kept as ControllerRevisions (daemonset-history.ts).
 */
import { createHash } from 'node:crypto';
import { metaOf, type Obj } from '../api/object-meta.js';
import { matchesLabels, selectorFromObject } from '../api/selectors.js';
import { StatusError } from '../api/status-error.js';
import { semanticEqual } from '../../api/defaults/index.js';
import { AS_CONTROLLER, resource, type Controller, type ControllerContext } from './context.js';
import { syncHistory } from './daemonset-history.js';
import { recordEvent } from './events.js';
import { createControlledPod } from './pod-control.js';
import { matchesNodeSelector, nodeTaints, tolerates, type Toleration } from '../../policy/node-fit.js';
import { WorkQueue, type SyncResult } from './work-queue.js';
import { ThreadRoom } from '../thread-room.js';
import { stableJson } from '../../api/json/index.js';
import { onceForFrozen, type Change } from '../store/index.js';

const COMPONENT = 'daemonset-controller';
/** The controller's reads change nothing they read: they take the store's shared objects. */
const SHARED = { shared: true };
export const REVISION_HASH_LABEL = 'controller-revision-hash';
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';

/** The tolerations the DaemonSet controller adds to its pods, so node trouble does not evict them. */
const DAEMON_TOLERATIONS: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];
const HOST_NETWORK_TOLERATION: Toleration = { key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' };

export class DaemonSetController implements Controller {
  readonly #queue: WorkQueue;
  readonly #unsubscribe: (() => void)[] = [];
  /** Pods created or deleted so far (a sync reads its pods again only after it wrote some). */
  #podWrites = 0;
  /** Pods created so far. */
  #podsCreated = 0;
  /**
   * The status of each DaemonSet's last status write, by key, until that write comes back: a
   * change to the status alone that brings exactly this is the controller's own, and a sync then
   * would find nothing to do (it was two of the five syncs per DaemonSet in the 110-pod run).
   */
  readonly #ownStatus = new Map<string, Obj>();
  /** Whether the control plane's thread has room: a pod's change to the counts waits longer for the others while it has not. */
  readonly #room = new ThreadRoom();

  constructor(private readonly context: ControllerContext) {
    this.#queue = new WorkQueue('daemonset', (key) => this.#sync(key), context.log, context.api.store);
  }

  start(): void {
    const { store } = this.context.api;
    // A new DaemonSet, or a change to its spec, syncs at once. Its pods' changes, and a change
    // to its status by someone else, sync it within POD_CHANGES_MS (a pod's change that only moves
    // the counts, within POD_CHANGES_BUSY_MS on a busy thread), once for all of them: a pod
    // is created, bound and reported Running in a few quick writes, each of which synced every
    // DaemonSet concerned (six syncs per DaemonSet for the 110-pod run, where three do). Its own
    // status write coming back syncs nothing (upstream's handler enqueues it, to no effect).
    this.#unsubscribe.push(store.subscribe('apps/daemonsets', (change) => {
      const key = `${change.key.namespace}/${change.key.name}`;
      const own = this.#ownStatus.get(key);
      if (change.type === 'DELETED' || own !== undefined) this.#ownStatus.delete(key);
      if (change.type === 'MODIFIED' && change.previous && statusOnly(change.previous, change.object)) {
        if (own === undefined || !semanticEqual(own, change.object['status'])) this.#queue.addSoon(key, POD_CHANGES_MS);
      } else this.#queue.add(key);
    }));
    this.#unsubscribe.push(store.subscribe('pods', (change) => {
      let wait: number | undefined;
      for (const owner of [change.object, change.previous]) {
        const ref = owner ? controllerOf(owner) : undefined;
        if (!ref) continue;
        wait ??= needsReplacing(change) || this.#room.hasRoom() ? POD_CHANGES_MS : POD_CHANGES_BUSY_MS;
        this.#queue.addSoon(`${change.key.namespace}/${ref}`, wait);
      }
    }));
    // As kube-controller-manager (shouldIgnoreNodeUpdate): a node's change matters to the
    // DaemonSets only if it can change where they run, its labels or its taints. A status
    // heartbeat does not make every DaemonSet sync again.
    this.#unsubscribe.push(store.subscribe('nodes', (change) => {
      if (change.type === 'MODIFIED' && change.previous && !placementChanged(change.previous, change.object)) return;
      this.#enqueueAll();
    }));
    this.#enqueueAll();
  }

  stop(): void {
    for (const u of this.#unsubscribe) u();
    this.#queue.stop();
    this.#ownStatus.clear();
  }

  #enqueueAll(): void {
    for (const ds of this.context.api.list(resource('daemonsets', 'apps'), '').items) {
      this.#queue.add(`${metaOf(ds).namespace ?? ''}/${metaOf(ds).name ?? ''}`);
    }
  }

  #sync(key: string): SyncResult {
    const [namespace = '', name = ''] = key.split('/');
    const { api } = this.context;
    const daemonSets = resource('daemonsets', 'apps');
    const ds = api.findShared(daemonSets, namespace, name);
    if (!ds || metaOf(ds).deletionTimestamp !== undefined) return;
    const spec = (ds['spec'] ?? {}) as { selector?: Parameters<typeof selectorFromObject>[0]; template?: Obj; updateStrategy?: { type?: string; rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string } }; minReadySeconds?: number };
    const template = spec.template ?? {};
    const hash = templateHash(template);
    const generation = metaOf(ds).generation ?? 1;
    const selector = selectorFromObject(spec.selector);
    const pods = resource('pods');
    const owned = api.list(pods, namespace, ownedBy(ds), SHARED).items.filter((p) => controllerUid(p) === metaOf(ds).uid && matchesLabels(selector, metaOf(p).labels));
    const podWritesBefore = this.#podWrites;
    const podsCreatedBefore = this.#podsCreated;
    syncHistory(api, ds, hash, selector, owned);
    const nodes = api.list(resource('nodes'), '', {}, SHARED).items;
    const now = api.now();

    const byNode = new Map<string, Obj[]>();
    for (const pod of owned) {
      const node = targetNode(pod);
      byNode.set(node, [...(byNode.get(node) ?? []), pod]);
    }
    const eligible = nodes.filter((node) => shouldRun(template, node));
    const eligibleNames = new Set(eligible.map((n) => metaOf(n).name ?? ''));
    const surge = (spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' ? surgeCount(spec.updateStrategy?.rollingUpdate?.maxSurge, eligible.length) : 0;
    let requeue: number | undefined;
    /** The first refused create: the sync fails, and is retried with back-off (work-queue.ts). */
    let createFailure: string | undefined;

    // Pods on nodes that no longer qualify (or that vanished), failed pods, and duplicates go.
    for (const [node, list] of byNode) {
      const live = list.filter((p) => metaOf(p).deletionTimestamp === undefined);
      for (const pod of live) {
        const failed = (pod['status'] as { phase?: string } | undefined)?.phase === 'Failed';
        if (!eligibleNames.has(node) || failed) this.#deletePod(ds, pod, failed ? `Found failed daemon pod ${namespace}/${metaOf(pod).name ?? ''} on node ${node}, will try to kill it` : undefined);
      }
      if (eligibleNames.has(node)) {
        const running = live.filter((p) => (p['status'] as { phase?: string } | undefined)?.phase !== 'Failed');
        for (const extra of surplusPods(running, hash, surge > 0, spec.minReadySeconds ?? 0)) this.#deletePod(ds, extra);
      }
    }

    // Nodes without a (live) daemon pod get one.
    for (const node of eligible) {
      const nodeName = metaOf(node).name ?? '';
      const live = (byNode.get(nodeName) ?? []).filter((p) => metaOf(p).deletionTimestamp === undefined && (p['status'] as { phase?: string } | undefined)?.phase !== 'Failed');
      if (live.length === 0) createFailure ??= this.#createPod(ds, template, nodeName, hash, generation);
    }

    // Rolling update: replace old-template pods, keeping at most maxUnavailable unavailable.
    const strategy = spec.updateStrategy?.type ?? 'RollingUpdate';
    // Read again only if this sync created or deleted pods (most syncs change none).
    const current = this.#podWrites === podWritesBefore ? owned : api.list(pods, namespace, ownedBy(ds), SHARED).items.filter((p) => controllerUid(p) === metaOf(ds).uid && matchesLabels(selector, metaOf(p).labels));
    const minReady = spec.minReadySeconds ?? 0;
    if (strategy === 'RollingUpdate' && surge > 0) {
      createFailure ??= this.#surge(ds, template, hash, generation, eligible, current, surge, minReady, now);
    } else if (strategy === 'RollingUpdate') {
      const maxUnavailable = scaled(spec.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1, eligible.length);
      const perNode = eligible.map((n) => current.filter((p) => targetNode(p) === metaOf(n).name));
      let unavailable = perNode.filter((list) => !list.some((p) => metaOf(p).deletionTimestamp === undefined && isAvailable(p, minReady, now))).length;
      for (const list of perNode) {
        const old = list.find((p) => metaOf(p).deletionTimestamp === undefined && metaOf(p).labels?.[REVISION_HASH_LABEL] !== hash);
        if (!old) continue;
        const oldAvailable = isAvailable(old, minReady, now);
        // An old pod that is not available anyway can go at once; an available one only within the budget.
        if (oldAvailable && unavailable >= maxUnavailable) continue;
        this.#deletePod(ds, old);
        if (oldAvailable) unavailable++;
      }
    }

    // A sync that created pods leaves the status to the sync their creation brings, within
    // POD_CHANGES_MS, which finds them scheduled too: one status write instead of two, with
    // nothing missed (a create that failed is retried, and that sync writes it).
    if (this.#podsCreated === podsCreatedBefore) this.#updateStatus(ds, current, eligible, hash, generation, minReady, now);
    if (minReady > 0) requeue = 1000;
    if (createFailure !== undefined) return { failed: createFailure };
    return requeue === undefined ? undefined : { requeueAfterMs: requeue };
  }

  /**
   * A rolling update with maxSurge (upstream's surge branch of rollingUpdate): a node whose old
   * pod is not available gets its new pod at once; up to maxSurge others get one beside the old
   * pod; an old pod goes once the new one beside it is available. maxUnavailable is not used.
   * Returns the first refused create's message.
   */
  #surge(ds: Obj, template: Obj, hash: string, generation: number, eligible: readonly Obj[], pods: readonly Obj[], maxSurge: number, minReady: number, now: Date): string | undefined {
    let surging = 0;
    const allowed: string[] = [];
    const candidates: string[] = [];
    const oldToDelete: Obj[] = [];
    for (const node of eligible) {
      const nodeName = metaOf(node).name ?? '';
      const live = pods.filter((p) => targetNode(p) === nodeName && metaOf(p).deletionTimestamp === undefined && (p['status'] as { phase?: string } | undefined)?.phase !== 'Failed');
      const newPod = live.find((p) => metaOf(p).labels?.[REVISION_HASH_LABEL] === hash);
      const oldPod = live.find((p) => metaOf(p).labels?.[REVISION_HASH_LABEL] !== hash);
      if (!oldPod) continue;
      if (!newPod) {
        if (!isAvailable(oldPod, minReady, now)) allowed.push(nodeName);
        else if (surging < maxSurge) candidates.push(nodeName);
      } else if (!isAvailable(newPod, minReady, now)) {
        surging++;
      } else {
        oldToDelete.push(oldPod);
      }
    }
    const room = Math.min(Math.max(maxSurge - surging, 0), candidates.length);
    let failure: string | undefined;
    for (const nodeName of [...allowed, ...candidates.slice(0, room)]) failure ??= this.#createPod(ds, template, nodeName, hash, generation);
    for (const pod of oldToDelete) this.#deletePod(ds, pod);
    return failure;
  }

  /** Creates the node's daemon pod; the refusal's message when the API server refuses it. */
  #createPod(ds: Obj, template: Obj, nodeName: string, hash: string, generation: number): string | undefined {
    this.#podWrites++;
    const { api } = this.context;
    const meta = metaOf(ds);
    const templateMeta = (template['metadata'] ?? {}) as { labels?: Record<string, string>; annotations?: Record<string, string> };
    const templateSpec = (template['spec'] ?? {}) as Obj & { tolerations?: Toleration[]; hostNetwork?: boolean; affinity?: Obj };
    const tolerations = [...(templateSpec.tolerations ?? [])];
    for (const t of [...DAEMON_TOLERATIONS, ...(templateSpec.hostNetwork ? [HOST_NETWORK_TOLERATION] : [])]) {
      if (!tolerations.some((x) => x.key === t.key && x.effect === t.effect)) tolerations.push(t);
    }
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${meta.name ?? ''}-`,
        namespace: meta.namespace,
        labels: { ...(templateMeta.labels ?? {}), [REVISION_HASH_LABEL]: hash, [TEMPLATE_GENERATION_LABEL]: String(generation) },
        ...(templateMeta.annotations ? { annotations: templateMeta.annotations } : {}),
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: meta.name, uid: meta.uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: { ...templateSpec, tolerations, affinity: withNodeNameAffinity(templateSpec.affinity, nodeName) },
    };
    const failure = createControlledPod(api, ds, pod, COMPONENT);
    if (failure === undefined) this.#podsCreated++;
    return failure;
  }

  #deletePod(ds: Obj, pod: Obj, warning?: string): void {
    this.#podWrites++;
    const { api } = this.context;
    const name = metaOf(pod).name ?? '';
    if (warning) recordEvent(api, ds, { type: 'Warning', reason: 'FailedDaemonPod', message: warning, component: COMPONENT });
    try {
      api.delete(resource('pods'), metaOf(pod).namespace ?? '', name, {}, AS_CONTROLLER);
      recordEvent(api, ds, { type: 'Normal', reason: 'SuccessfulDelete', message: `Deleted pod: ${name}`, component: COMPONENT });
    } catch (error) {
      if (!(error instanceof StatusError && error.code === 404)) throw error;
    }
  }

  #updateStatus(ds: Obj, pods: Obj[], eligible: Obj[], hash: string, generation: number, minReady: number, now: Date): void {
    const eligibleNames = new Set(eligible.map((n) => metaOf(n).name ?? ''));
    const live = pods.filter((p) => metaOf(p).deletionTimestamp === undefined);
    const onEligible = live.filter((p) => eligibleNames.has(targetNode(p)) && scheduled(p));
    const nodesWith = (predicate: (p: Obj) => boolean): number => new Set(onEligible.filter(predicate).map(targetNode)).size;
    const desired = eligible.length;
    const available = nodesWith((p) => isAvailable(p, minReady, now));
    const updated = nodesWith((p) => metaOf(p).labels?.[REVISION_HASH_LABEL] === hash);
    // The Go type's omitempty counts are left out at zero, as kube-controller-manager writes them.
    const status: Obj = {
      currentNumberScheduled: nodesWith(() => true),
      numberMisscheduled: new Set(live.filter((p) => scheduled(p) && !eligibleNames.has(targetNode(p))).map(targetNode)).size,
      desiredNumberScheduled: desired,
      numberReady: nodesWith(isReady),
      observedGeneration: metaOf(ds).generation ?? generation,
      ...(updated > 0 ? { updatedNumberScheduled: updated } : {}),
      ...(available > 0 ? { numberAvailable: available } : {}),
      ...(desired - available > 0 ? { numberUnavailable: desired - available } : {}),
    };
    const old = (ds['status'] ?? {}) as Obj;
    const { conditions, collisionCount, ...oldCounts } = old;
    if (semanticEqual(oldCounts, status)) return;
    const meta = metaOf(ds);
    const written = { ...status, ...(conditions === undefined ? {} : { conditions }), ...(collisionCount === undefined ? {} : { collisionCount }) };
    this.#ownStatus.set(`${meta.namespace ?? ''}/${meta.name ?? ''}`, written);
    this.context.api.mutate(resource('daemonsets', 'apps'), meta.namespace ?? '', meta.name ?? '', (current) => ({ ...current, status: written }), AS_CONTROLLER, 'status', SHARED);
  }
}

/** How long a DaemonSet waits after a change of one of its pods (or of its own status) before it syncs, gathering the others. */
export const POD_CHANGES_MS = 50;
/**
 * The same while the control plane's thread is busy (thread-room.ts), for a pod's change that only
 * moves the DaemonSet's counts (a pod created, bound, started, ready): the status is written once
 * the burst is mostly over, one write per DaemonSet, where each step of each pod made one (the
 * kube-controller-manager's status writes go through its client's rate limiter too). A pod's
 * deletion, termination or failure, which needs a pod made in its place, syncs as on a quiet
 * thread, as does any change of the DaemonSet itself. A rolling update's next step, which
 * waits for the new pod to be ready, comes up to this much later on a busy thread.
 */
export const POD_CHANGES_BUSY_MS = 2_000;

/** Whether a pod's change may need a pod made in its place: it was deleted, is terminating, or failed. */
function needsReplacing(change: Change): boolean {
  if (change.type === 'DELETED') return true;
  const pod = change.object;
  return metaOf(pod).deletionTimestamp !== undefined || (pod['status'] as { phase?: string } | undefined)?.phase === 'Failed';
}

/** Whether a DaemonSet's change is to its status alone (its resourceVersion and managedFields aside): its own status write. */
function statusOnly(before: Obj, after: Obj): boolean {
  const rest = (ds: Obj): Obj => ({ ...ds, status: undefined, metadata: { ...metaOf(ds), resourceVersion: undefined, managedFields: undefined } });
  return semanticEqual(rest(before), rest(after));
}

/** Whether a DaemonSet's pod should run on a node: its node selector and affinity, and the taints it tolerates. */
export function shouldRun(template: Obj, node: Obj): boolean {
  const spec = (template['spec'] ?? {}) as Parameters<typeof matchesNodeSelector>[0] & { tolerations?: Toleration[]; hostNetwork?: boolean };
  if (!matchesNodeSelector(spec, node)) return false;
  const tolerations = [...(spec.tolerations ?? []), ...DAEMON_TOLERATIONS, ...(spec.hostNetwork ? [HOST_NETWORK_TOLERATION] : [])];
  // A DaemonSet tolerates the unschedulable and condition taints itself, but not NoSchedule/NoExecute taints it does not know.
  return nodeTaints(node).every((t) => (t.effect !== 'NoSchedule' && t.effect !== 'NoExecute') || tolerates(tolerations, t));
}

/**
 * Whether a node's change can change which DaemonSets run on it: its labels, or its taints
 * (`nodeTaints`: those of its spec, and those its unschedulable flag and Ready condition stand for).
 */
function placementChanged(before: Obj, after: Obj): boolean {
  return !semanticEqual(metaOf(before).labels ?? {}, metaOf(after).labels ?? {}) || !semanticEqual(nodeTaints(before), nodeTaints(after));
}

/** The hashes of frozen templates (the store's shared objects, which no one can change), by template. */
const frozenTemplateHashes = new WeakMap<Obj, string>();

/**
 * The template's hash, as the `controller-revision-hash` label carries it. A frozen template's is
 * kept with it: a DaemonSet read again unchanged is the same shared object, whose hash each
 * sync took anew (the template's canonical JSON and its SHA-256).
 */
export function templateHash(template: Obj): string {
  return onceForFrozen(frozenTemplateHashes, template, hashOf);
}

function hashOf(template: Obj): string {
  const digest = createHash('sha256').update(stableJson(template)).digest();
  // Upstream's hashes are short safe-encoded strings; take 10 characters from the same alphabet.
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let out = '';
  for (let i = 0; i < 10; i++) out += alphabet[digest[i]! % alphabet.length];
  return out;
}

function withNodeNameAffinity(affinity: Obj | undefined, nodeName: string): Obj {
  const nodeAffinity = ((affinity ?? {})['nodeAffinity'] ?? {}) as Obj;
  const term = { matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] };
  // As upstream: the name requirement replaces the required terms' matchFields, keeping their expressions.
  const required = (nodeAffinity['requiredDuringSchedulingIgnoredDuringExecution'] ?? {}) as { nodeSelectorTerms?: Obj[] };
  const terms = required.nodeSelectorTerms && required.nodeSelectorTerms.length > 0
    ? required.nodeSelectorTerms.map((t) => ({ ...t, matchFields: term.matchFields }))
    : [term];
  return { ...(affinity ?? {}), nodeAffinity: { ...nodeAffinity, requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } };
}

/** The node a daemon pod is for: its nodeName once bound, else the name in its node affinity. */
function targetNode(pod: Obj): string {
  const spec = (pod['spec'] ?? {}) as { nodeName?: string; affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: { matchFields?: { key: string; values?: string[] }[] }[] } } } };
  if (spec.nodeName) return spec.nodeName;
  for (const term of spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    const field = term.matchFields?.find((f) => f.key === 'metadata.name');
    if (field?.values?.[0]) return field.values[0];
  }
  return '';
}

function scheduled(pod: Obj): boolean {
  return Boolean((pod['spec'] as { nodeName?: string } | undefined)?.nodeName);
}

function isReady(pod: Obj): boolean {
  const conditions = ((pod['status'] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions) ?? [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

function isAvailable(pod: Obj, minReadySeconds: number, now: Date): boolean {
  if (!isReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const conditions = ((pod['status'] as { conditions?: { type: string; status: string; lastTransitionTime?: string }[] } | undefined)?.conditions) ?? [];
  const since = conditions.find((c) => c.type === 'Ready')?.lastTransitionTime;
  return since !== undefined && now.getTime() - Date.parse(since) >= minReadySeconds * 1000;
}

function controllerOf(pod: Obj): string | undefined {
  return metaOf(pod).ownerReferences?.find((r) => r.controller && r.kind === 'DaemonSet' && r.apiVersion.startsWith('apps/'))?.name;
}

function controllerUid(pod: Obj): string | undefined {
  return metaOf(pod).ownerReferences?.find((r) => r.controller && r.kind === 'DaemonSet')?.uid;
}

/** maxSurge as a count (util.SurgeCount): a percentage of the desired pods, rounded up; 0 when not set. */
function surgeCount(value: number | string | undefined, total: number): number {
  if (typeof value === 'number') return Math.max(value, 0);
  if (typeof value === 'string' && /^\d+%$/.test(value)) return Math.ceil((Number.parseInt(value, 10) * total) / 100);
  return 0;
}

/**
 * The daemon pods on one node to delete: one pod is kept, the new template's oldest if any.
 * With surge, an old pod is kept beside the new one (upstream's podsShouldBeOnNode) while the
 * old one is ready and the new one is not yet (or minReadySeconds is set: the rolling update
 * then deletes the old one once the new one is available).
 */
function surplusPods(running: readonly Obj[], hash: string, surge: boolean, minReadySeconds: number): Obj[] {
  const isNew = (p: Obj): boolean => metaOf(p).labels?.[REVISION_HASH_LABEL] === hash;
  const sorted = [...running].sort((a, b) => Number(isNew(b)) - Number(isNew(a)) || (metaOf(a).creationTimestamp ?? '').localeCompare(metaOf(b).creationTimestamp ?? ''));
  if (!surge) return sorted.slice(1);
  const oldestNew = sorted.find(isNew);
  const oldestOld = sorted.find((p) => !isNew(p));
  const surplus = sorted.filter((p) => p !== oldestNew && p !== oldestOld);
  if (oldestNew && oldestOld && (!isReady(oldestOld) || (isReady(oldestNew) && minReadySeconds === 0))) surplus.push(oldestOld);
  return surplus;
}

/** maxUnavailable as a count: a percentage of the desired pods, rounded up, and never 0. */
function scaled(value: number | string, total: number): number {
  const count = typeof value === 'number' ? value : /^\d+%$/.test(value) ? Math.ceil((Number.parseInt(value, 10) * total) / 100) : Number.parseInt(value, 10);
  return Number.isFinite(count) && count > 0 ? count : 1;
}

/** A list query for the objects `owner` may control: those that name it as an owner, read through the store's index. */
function ownedBy(owner: Obj): { referencing?: string } {
  const uid = metaOf(owner).uid;
  return uid ? { referencing: uid } : {};
}
