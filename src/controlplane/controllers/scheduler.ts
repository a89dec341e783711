/**
 * The scheduler: binds each pending pod (no `spec.nodeName`, `schedulerName: default-scheduler`)
 * to a node that fits, through `pods/binding` as kube-scheduler does, preferring the node with
 * the most CPU left. A pod that fits nowhere stays Pending with `PodScheduled=False` and a
 * FailedScheduling event that counts the reasons, and is tried again when nodes or pods change.
 */
import { bindPod } from '../resources/index.js';
import { metaOf, timestamp, type Obj } from '../api/object-meta.js';
import { StatusError } from '../api/status-error.js';
import { CONTROLLER_USER } from '../auth/user.js';
import { AS_CONTROLLER, resource, type Controller, type ControllerContext } from './context.js';
import { recordEvent } from './events.js';
import { isTerminated, nodeMismatch, podRequest, quantity } from '../../policy/node-fit.js';
import { WorkQueue } from './work-queue.js';
import { HOST_PORTS_TAKEN, hostPortsTaken } from './host-ports.js';
import { BoundPods } from './bound-pods.js';

const SCHEDULER = 'default-scheduler';

export class Scheduler implements Controller {
  readonly #queue: WorkQueue;
  readonly #unsubscribe: (() => void)[] = [];
  /** Pods that fit nowhere, tried again when the cluster changes. */
  readonly #unschedulable = new Set<string>();
  readonly #bound = new BoundPods();

  constructor(private readonly context: ControllerContext) {
    this.#queue = new WorkQueue('scheduler', (key) => this.#schedule(key), context.log, context.api.store);
  }

  start(): void {
    const { store } = this.context.api;
    this.#unsubscribe.push(store.subscribe('pods', (change) => {
      this.#bound.apply(change);
      const key = `${change.key.namespace}/${change.key.name}`;
      if (change.type === 'DELETED') {
        this.#unschedulable.delete(key);
        this.#retryUnschedulable();
      } else if (needsScheduling(change.object)) {
        this.#queue.add(key);
      }
    }));
    this.#unsubscribe.push(store.subscribe('nodes', () => this.#retryUnschedulable()));
    for (const pod of this.context.api.list(resource('pods'), '').items) {
      this.#bound.record(`${metaOf(pod).namespace ?? ''}/${metaOf(pod).name ?? ''}`, pod);
      if (needsScheduling(pod)) this.#queue.add(`${metaOf(pod).namespace ?? ''}/${metaOf(pod).name ?? ''}`);
    }
  }

  stop(): void {
    for (const u of this.#unsubscribe) u();
    this.#queue.stop();
  }

  #retryUnschedulable(): void {
    for (const key of this.#unschedulable) this.#queue.add(key);
  }

  #schedule(key: string): void {
    const [namespace = '', name = ''] = key.split('/');
    const { api } = this.context;
    const pods = resource('pods');
    const pod = api.findShared(pods, namespace, name);
    // The store's pod over what this scheduler assumed: a binding counted on its node whose
    // turn's commit then failed is gone, and the pod must not find itself in its own way (its host
    // ports, its requests). kube-scheduler forgets an assumed pod whose binding failed.
    this.#bound.record(key, pod);
    if (!pod || !needsScheduling(pod)) {
      this.#unschedulable.delete(key);
      return;
    }
    const nodes = api.list(resource('nodes'), '', {}, { shared: true }).items;
    const reasons = new Map<string, number>();
    let best: { node: Obj; free: number } | undefined;
    for (const node of nodes) {
      const nodeName = metaOf(node).name ?? '';
      const onNode = this.#bound.on(nodeName);
      const mismatch = nodeMismatch(pod, node, onNode) ?? (hostPortsTaken(pod, onNode) ? HOST_PORTS_TAKEN : undefined);
      if (mismatch) {
        reasons.set(mismatch, (reasons.get(mismatch) ?? 0) + 1);
        continue;
      }
      const free = freeCpu(node, onNode);
      if (!best || free > best.free) best = { node, free };
    }
    if (!best) {
      this.#unschedulable.add(key);
      this.#markUnschedulable(pod, nodes.length, reasons);
      return;
    }
    this.#unschedulable.delete(key);
    const nodeName = metaOf(best.node).name ?? '';
    try {
      // Counted on its node at once, as kube-scheduler assumes a pod it binds: the store tells
      // the cache after this turn's writes commit, and the next pod of the turn must see this one.
      this.#bound.record(key, bindPod(api, namespace, name, { target: { kind: 'Node', name: nodeName } }, { user: CONTROLLER_USER }));
    } catch (error) {
      // Bound meanwhile, or deleted: nothing left to do.
      if (error instanceof StatusError && (error.code === 409 || error.code === 404)) return;
      throw error;
    }
    recordEvent(api, pod, { type: 'Normal', reason: 'Scheduled', message: `Successfully assigned ${namespace}/${name} to ${nodeName}`, component: SCHEDULER, action: 'Binding' });
  }

  #markUnschedulable(pod: Obj, nodeCount: number, reasons: Map<string, number>): void {
    const { api } = this.context;
    const message = nodeCount === 0
      ? 'no nodes available to schedule pods'
      : `0/${nodeCount} nodes are available: ${[...reasons].sort(([a], [b]) => (a < b ? -1 : 1)).map(([r, n]) => `${n} ${r}`).join(', ')}.`;
    const meta = metaOf(pod);
    const conditions = ((pod['status'] as { conditions?: Obj[] } | undefined)?.conditions) ?? [];
    const current = conditions.find((c) => c['type'] === 'PodScheduled');
    if (current?.['status'] === 'False' && current['message'] === message) return;
    api.mutate(resource('pods'), meta.namespace ?? '', meta.name ?? '', (p) => {
      const status = (p['status'] ?? {}) as { conditions?: Obj[] };
      const others = (status.conditions ?? []).filter((c) => c['type'] !== 'PodScheduled');
      // observedGeneration: the pod generation the condition is about (PodObservedGenerationTracking, on by default since 1.34).
      const observedGeneration = metaOf(p).generation;
      const condition = {
        type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: timestamp(api.now()), reason: 'Unschedulable', message,
        ...(observedGeneration === undefined ? {} : { observedGeneration }),
      };
      return { ...p, status: { ...status, phase: 'Pending', conditions: [...others, condition] } };
    }, { ...AS_CONTROLLER, owner: { fieldManager: 'kube-scheduler' } }, 'status');
    recordEvent(api, pod, { type: 'Warning', reason: 'FailedScheduling', message, component: SCHEDULER, action: 'Scheduling' });
  }
}

function needsScheduling(pod: Obj): boolean {
  const spec = (pod['spec'] ?? {}) as { nodeName?: string; schedulerName?: string; schedulingGates?: unknown[] };
  return !spec.nodeName && (spec.schedulerName ?? SCHEDULER) === SCHEDULER && (spec.schedulingGates ?? []).length === 0
    && metaOf(pod).deletionTimestamp === undefined && !isTerminated(pod);
}

/** CPU the node has left, in cores (the least-allocated score, reduced to its main term). */
function freeCpu(node: Obj, podsOnNode: readonly Obj[]): number {
  const allocatable = ((node['status'] as { allocatable?: Record<string, unknown> } | undefined)?.allocatable) ?? {};
  const cpu = quantity(allocatable['cpu']) ?? 0;
  const used = podsOnNode.filter((p) => !isTerminated(p)).reduce((sum, p) => sum + podRequest(p, 'cpu'), 0);
  return cpu - used;
}
