/**
 * The ReplicaSet controller: keeps `spec.replicas` active pods of the template, named after the
 * ReplicaSet with a random suffix and controlled by it. Matching orphans are adopted and pods the
 * selector no longer matches released; surplus pods are deleted in upstream's order (unscheduled,
 * pending and not-ready ones first); creates go in slow-start batches (1, 2, 4, ...) and, when
 * one fails, the ReplicaSet is synced again after an exponential back-off (5 ms doubling to
 * 1000 s), as kube-controller-manager's rate-limited queue retries it. The status counts
 * replicas, fully labeled, ready, available (minReadySeconds) and terminating pods.
 */
import { metaOf, timestamp, type Obj } from '../api/object-meta.js';
import { selectorFromObject } from '../api/selectors.js';
import { StatusError } from '../api/status-error.js';
import { semanticEqual } from '../../api/defaults/index.js';
import { AS_CONTROLLER, resource, type Controller, type ControllerContext } from './context.js';
import { claim, controllerNameOf, controllerRefTo } from './controller-ref.js';
import { recordEvent } from './events.js';
import { createControlledPod } from './pod-control.js';
import { deleteFirst, isActive, isAvailable, isReady, isTerminating, untilAvailable } from './pod-availability.js';
import { WorkQueue, type SyncResult } from './work-queue.js';

const COMPONENT = 'replicaset-controller';
/** At most this many pods created or deleted in one sync (upstream's burstReplicas). */
const BURST_REPLICAS = 500;
const BACKOFF_BASE_MS = 5;
const BACKOFF_MAX_MS = 1000 * 1000;

interface ReplicaSetSpec {
  replicas?: number;
  minReadySeconds?: number;
  selector?: Parameters<typeof selectorFromObject>[0];
  template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[] }; spec?: Obj };
}

export class ReplicaSetController implements Controller {
  readonly #queue: WorkQueue;
  readonly #unsubscribe: (() => void)[] = [];
  /** Consecutive failed syncs per ReplicaSet, for the back-off. */
  readonly #failures = new Map<string, number>();

  constructor(private readonly context: ControllerContext) {
    this.#queue = new WorkQueue('replicaset', (key) => this.#sync(key), context.log, context.api.store);
  }

  start(): void {
    const { store } = this.context.api;
    this.#unsubscribe.push(store.subscribe('apps/replicasets', (change) => this.#queue.add(`${change.key.namespace}/${change.key.name}`)));
    this.#unsubscribe.push(store.subscribe('pods', (change) => {
      const owners = [change.object, change.previous].map((p) => (p ? controllerNameOf(p, 'ReplicaSet') : undefined));
      for (const owner of owners) if (owner) this.#queue.add(`${change.key.namespace}/${owner}`);
      // An orphan may be adopted by any ReplicaSet of its namespace whose selector matches it.
      if (change.object && owners[0] === undefined && !metaOf(change.object).ownerReferences?.some((r) => r.controller === true)) this.#enqueueNamespace(change.key.namespace);
    }));
    for (const rs of this.context.api.list(resource('replicasets', 'apps'), '').items) this.#queue.add(`${metaOf(rs).namespace ?? ''}/${metaOf(rs).name ?? ''}`);
  }

  stop(): void {
    for (const u of this.#unsubscribe) u();
    this.#queue.stop();
  }

  #enqueueNamespace(namespace: string): void {
    for (const rs of this.context.api.list(resource('replicasets', 'apps'), namespace).items) this.#queue.add(`${namespace}/${metaOf(rs).name ?? ''}`);
  }

  #sync(key: string): SyncResult {
    const [namespace = '', name = ''] = key.split('/');
    const { api } = this.context;
    const rs = api.find(resource('replicasets', 'apps'), namespace, name);
    if (!rs) {
      this.#failures.delete(key);
      return;
    }
    const spec = (rs['spec'] ?? {}) as ReplicaSetSpec;
    const selector = selectorFromObject(spec.selector);
    const pods = resource('pods');
    // An empty selector selects nothing here, as upstream refuses to act on it.
    const candidates = selector.length === 0 ? [] : api.list(pods, namespace).items;
    const owned = claim(api, pods, rs, 'ReplicaSet', selector, candidates);
    const active = owned.filter(isActive);
    let failure: string | undefined;
    if (metaOf(rs).deletionTimestamp === undefined) {
      const diff = active.length - (spec.replicas ?? 1);
      if (diff < 0) failure = this.#createPods(rs, spec, Math.min(-diff, BURST_REPLICAS));
      if (diff > 0) this.#deletePods(rs, [...active].sort(deleteFirst).slice(0, Math.min(diff, BURST_REPLICAS)));
    }
    const now = api.now();
    const current = api.list(pods, namespace).items.filter((p) => owned.some((o) => metaOf(o).uid === metaOf(p).uid));
    this.#updateStatus(rs, spec, current, now, failure);
    if (failure !== undefined) {
      const failures = (this.#failures.get(key) ?? 0) + 1;
      this.#failures.set(key, failures);
      return { requeueAfterMs: Math.min(BACKOFF_BASE_MS * 2 ** (failures - 1), BACKOFF_MAX_MS) };
    }
    this.#failures.delete(key);
    // A ready pod becomes available minReadySeconds later: look again then.
    const waits = current.filter(isActive).map((p) => untilAvailable(p, spec.minReadySeconds ?? 0, now)).filter((ms) => ms > 0);
    return waits.length > 0 ? { requeueAfterMs: Math.min(...waits) + 10 } : undefined;
  }

  /** Creates `count` pods in slow-start batches; the error of a create that failed (the rest are skipped). */
  #createPods(rs: Obj, spec: ReplicaSetSpec, count: number): string | undefined {
    let created = 0;
    for (let batch = 1; created < count; batch *= 2) {
      const size = Math.min(batch, count - created);
      for (let i = 0; i < size; i++) {
        const failure = this.#createPod(rs, spec);
        if (failure !== undefined) return failure;
      }
      created += size;
    }
    return undefined;
  }

  /** Creates one pod; the API server's error message when it refused. */
  #createPod(rs: Obj, spec: ReplicaSetSpec): string | undefined {
    const { api } = this.context;
    const meta = metaOf(rs);
    const templateMeta = spec.template?.metadata ?? {};
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${meta.name ?? ''}-`,
        namespace: meta.namespace,
        ...(templateMeta.labels ? { labels: templateMeta.labels } : {}),
        ...(templateMeta.annotations ? { annotations: templateMeta.annotations } : {}),
        ...(templateMeta.finalizers ? { finalizers: templateMeta.finalizers } : {}),
        ownerReferences: [controllerRefTo(rs, 'ReplicaSet')],
      },
      spec: spec.template?.spec ?? {},
    };
    return createControlledPod(api, rs, pod, COMPONENT);
  }

  #deletePods(rs: Obj, victims: readonly Obj[]): void {
    const { api } = this.context;
    for (const pod of victims) {
      const name = metaOf(pod).name ?? '';
      try {
        api.delete(resource('pods'), metaOf(pod).namespace ?? '', name, {}, AS_CONTROLLER);
        recordEvent(api, rs, { type: 'Normal', reason: 'SuccessfulDelete', message: `Deleted pod: ${name}`, component: COMPONENT });
      } catch (error) {
        if (!(error instanceof StatusError && error.code === 404)) throw error;
      }
    }
  }

  /** The status; a failed create sets the ReplicaFailure condition, a sync without one clears it. */
  #updateStatus(rs: Obj, spec: ReplicaSetSpec, pods: readonly Obj[], now: Date, failure: string | undefined): void {
    const active = pods.filter(isActive);
    const templateLabels = spec.template?.metadata?.labels ?? {};
    const count = (predicate: (p: Obj) => boolean): number => active.filter(predicate).length;
    const fullyLabeled = count((p) => Object.entries(templateLabels).every(([key, value]) => metaOf(p).labels?.[key] === value));
    const ready = count(isReady);
    const available = count((p) => isAvailable(p, spec.minReadySeconds ?? 0, now));
    const old = (rs['status'] ?? {}) as Obj;
    // The Go type's omitempty counts are left out at zero, as kube-controller-manager writes them.
    const status: Obj = {
      replicas: active.length,
      ...(fullyLabeled > 0 ? { fullyLabeledReplicas: fullyLabeled } : {}),
      ...(ready > 0 ? { readyReplicas: ready } : {}),
      ...(available > 0 ? { availableReplicas: available } : {}),
      observedGeneration: metaOf(rs).generation ?? 1,
      terminatingReplicas: pods.filter(isTerminating).length,
    };
    const others = ((old['conditions'] ?? []) as Obj[]).filter((c) => c['type'] !== 'ReplicaFailure');
    const current = ((old['conditions'] ?? []) as Obj[]).find((c) => c['type'] === 'ReplicaFailure');
    const condition = failure === undefined ? undefined : current ?? { type: 'ReplicaFailure', status: 'True', lastTransitionTime: timestamp(now), reason: 'FailedCreate', message: failure };
    const conditions = [...others, ...(condition ? [condition] : [])];
    if (conditions.length > 0) status['conditions'] = conditions;
    if (semanticEqual(old, status) && old['terminatingReplicas'] !== undefined) return;
    const meta = metaOf(rs);
    this.context.api.mutate(resource('replicasets', 'apps'), meta.namespace ?? '', meta.name ?? '', (current) => ({ ...current, status }), AS_CONTROLLER, 'status');
  }
}
