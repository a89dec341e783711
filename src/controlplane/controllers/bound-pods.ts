/**
 * The pods bound to each node, kept up to date from the store's changes: the scheduler's cache,
 * as kube-scheduler keeps one, so that placing a pod reads no other pod from the store (a read
 * of every pod for each placement made a burst of n pods cost n² parses). It keeps only what
 * placing a pod reads of the pods already there (their containers' requests and ports, their
 * phase), not the whole objects.
 */
import type { Obj } from '../api/object-meta.js';
import type { Change } from '../store/index.js';

export class BoundPods {
  readonly #byNode = new Map<string, Map<string, Obj>>();
  /** Each cached pod's node, by its namespace/name. */
  readonly #nodeOf = new Map<string, string>();

  /** Takes in a pod as listed, or as a change left it. */
  record(key: string, pod: Obj | undefined): void {
    const before = this.#nodeOf.get(key);
    if (before !== undefined) {
      this.#byNode.get(before)?.delete(key);
      this.#nodeOf.delete(key);
    }
    const node = (pod?.['spec'] as { nodeName?: string } | undefined)?.nodeName;
    if (!pod || !node) return;
    let pods = this.#byNode.get(node);
    if (!pods) this.#byNode.set(node, (pods = new Map<string, Obj>()));
    pods.set(key, placed(pod));
    this.#nodeOf.set(key, node);
  }

  /** What a change to a pod means for the cache. */
  apply(change: Change): void {
    this.record(`${change.key.namespace}/${change.key.name}`, change.type === 'DELETED' ? undefined : change.object);
  }

  /** The pods bound to `node`. */
  on(node: string): Obj[] {
    return [...(this.#byNode.get(node)?.values() ?? [])];
  }
}

/** What the scheduler reads of a pod on a node (node-fit.ts, host-ports.ts): its containers' requests and ports, its phase. */
function placed(pod: Obj): Obj {
  const spec = (pod['spec'] ?? {}) as { nodeName?: string; containers?: Obj[]; initContainers?: Obj[] };
  const meta = (pod['metadata'] ?? {}) as { name?: string; namespace?: string };
  const container = (c: Obj): Obj => ({ ...(c['resources'] === undefined ? {} : { resources: c['resources'] }), ...(c['ports'] === undefined ? {} : { ports: c['ports'] }) });
  const phase = (pod['status'] as { phase?: string } | undefined)?.phase;
  return {
    metadata: { name: meta.name, namespace: meta.namespace },
    spec: { nodeName: spec.nodeName, containers: (spec.containers ?? []).map(container), initContainers: (spec.initContainers ?? []).map(container) },
    ...(phase === undefined ? {} : { status: { phase } }),
  };
}
