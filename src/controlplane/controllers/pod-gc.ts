/**
 * The pod garbage collector's orphan rule (kube-controller-manager's podgc): a pod bound to a
 * Node that does not exist, and still does not after a quarantine (40 s, as upstream, so a node
 * that re-registers keeps its pods), is marked Failed with the DisruptionTarget condition
 * (reason DeletionByPodGC) and deleted with grace period 0: no kubelet is left to confirm a
 * graceful deletion, so without this its pods would stay Terminating for ever.
 */
import { metaOf, timestamp, type Obj } from '../api/object-meta.js';
import { StatusError } from '../api/status-error.js';
import { AS_CONTROLLER, resource, type Controller, type ControllerContext } from './context.js';
import { WorkQueue } from './work-queue.js';

/** How long a missing node is waited for before its pods are collected (upstream's quarantineTime). */
export const DEFAULT_QUARANTINE_MS = 40_000;

const DISRUPTION_TARGET = { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists' };

function nodeNameOf(pod: Obj): string {
  return ((pod['spec'] ?? {}) as { nodeName?: string }).nodeName ?? '';
}

export class PodGarbageCollector implements Controller {
  readonly #queue: WorkQueue;
  readonly #unsubscribe: (() => void)[] = [];
  readonly #quarantineMs: number;

  constructor(private readonly context: ControllerContext) {
    this.#queue = new WorkQueue('pod-garbage-collector', (node) => this.#collect(node), context.log, context.api.store);
    this.#quarantineMs = context.podGcQuarantineMs ?? DEFAULT_QUARANTINE_MS;
  }

  start(): void {
    const { store } = this.context.api;
    this.#unsubscribe.push(store.subscribe('nodes', (change) => {
      if (change.type === 'DELETED') this.#quarantine(change.key.name);
    }));
    this.#unsubscribe.push(store.subscribe('pods', (change) => {
      if (change.type !== 'DELETED') this.#check(change.object);
    }));
    for (const pod of this.context.api.list(resource('pods'), '').items) this.#check(pod);
  }

  stop(): void {
    for (const u of this.#unsubscribe) u();
    this.#queue.stop();
  }

  /** A pod bound to a node that is not there puts that node in quarantine. */
  #check(pod: Obj): void {
    const node = nodeNameOf(pod);
    if (node !== '' && !this.context.api.findShared(resource('nodes'), '', node)) this.#quarantine(node);
  }

  #quarantine(node: string): void {
    // A node already in quarantine keeps the time it went in.
    this.#queue.addAfter(node, this.#quarantineMs);
  }

  #collect(node: string): void {
    const { api } = this.context;
    if (api.find(resource('nodes'), '', node)) return;
    const orphans = api.list(resource('pods'), '').items.filter((pod) => nodeNameOf(pod) === node);
    for (const pod of orphans) this.#failAndDelete(pod, node);
  }

  #failAndDelete(pod: Obj, node: string): void {
    const { api, log } = this.context;
    const pods = resource('pods');
    const { namespace = '', name = '', uid = '' } = metaOf(pod);
    log('info', 'PodGC is force deleting Pod', { pod: `${namespace}/${name}`, node });
    try {
      api.mutate(pods, namespace, name, (current) => {
        const status = (current['status'] ?? {}) as { phase?: string; conditions?: Obj[] };
        // A pod that ended keeps its phase; one of a re-created pod of the same name is not this one.
        if (metaOf(current).uid !== uid || status.phase === 'Succeeded' || status.phase === 'Failed') return undefined;
        return { ...current, status: { ...status, phase: 'Failed', conditions: withCondition(status.conditions ?? [], timestamp(api.now())) } };
      }, AS_CONTROLLER, 'status');
      api.delete(pods, namespace, name, { gracePeriodSeconds: 0, preconditions: { uid } }, AS_CONTROLLER);
    } catch (error) {
      // Gone already, or replaced by a pod of the same name: nothing of this one to collect.
      if (!(error instanceof StatusError && (error.code === 404 || error.code === 409))) throw error;
    }
  }
}

/** The conditions with DisruptionTarget set, its transition time kept when its status does not change (UpdatePodCondition). */
function withCondition(conditions: readonly Obj[], now: string): Obj[] {
  const previous = conditions.find((c) => c['type'] === DISRUPTION_TARGET.type);
  const condition = { ...DISRUPTION_TARGET, lastProbeTime: null, lastTransitionTime: previous?.['status'] === DISRUPTION_TARGET.status ? previous['lastTransitionTime'] : now };
  return previous ? conditions.map((c) => (c === previous ? condition : c)) : [...conditions, condition];
}
