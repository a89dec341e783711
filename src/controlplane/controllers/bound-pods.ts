/**
 * The pods bound to each node, kept up to date from the store's changes: the scheduler's cache,
 * as kube-scheduler keeps one, so that placing a pod reads no other pod from the store (a read
 * of every pod for each placement made a burst of n pods cost n² parses).
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
    pods.set(key, pod);
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
