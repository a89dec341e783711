/**
 * The ClusterRole aggregation controller (kube-controller-manager's
 * clusterrole-aggregation-controller): a ClusterRole with an `aggregationRule` gets as its rules
 * those of every other ClusterRole its selectors pick, in name order, each rule once. This is how
 * the bootstrap roles admin, edit and view get their rules, and how a ClusterRole labelled
 * `rbac.authorization.k8s.io/aggregate-to-view: "true"` adds to view.
 */
import { isDeepStrictEqual } from 'node:util';
import { metaOf, type Obj } from '../api/object-meta.js';
import { matchesLabels, selectorFromObject } from '../api/selectors.js';
import { RBAC_GROUP } from '../auth/rbac/subjects.js';
import { rulesOf, type PolicyRule } from '../auth/rbac/policy-rule.js';
import { AS_CONTROLLER, resource, type Controller, type ControllerContext } from './context.js';
import { WorkQueue } from './work-queue.js';

type Selector = Parameters<typeof selectorFromObject>[0];

export class ClusterRoleAggregationController implements Controller {
  readonly #queue: WorkQueue;
  #unsubscribe: (() => void) | undefined;

  constructor(private readonly context: ControllerContext) {
    this.#queue = new WorkQueue('clusterrole-aggregation', (name) => this.#sync(name), context.log, context.api.store);
  }

  start(): void {
    // Any ClusterRole's change may change what an aggregated one selects: look at them all.
    this.#unsubscribe = this.context.api.store.subscribe(`${RBAC_GROUP}/clusterroles`, () => this.#enqueueAggregated());
    this.#enqueueAggregated();
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#queue.stop();
  }

  #enqueueAggregated(): void {
    for (const role of this.context.api.list(resource('clusterroles', RBAC_GROUP), '').items) {
      if (aggregationOf(role)) this.#queue.add(metaOf(role).name ?? '');
    }
  }

  #sync(name: string): void {
    const info = resource('clusterroles', RBAC_GROUP);
    const all = this.context.api.list(info, '').items;
    const role = all.find((r) => metaOf(r).name === name);
    const selectors = role ? aggregationOf(role) : undefined;
    if (!role || !selectors) return;
    const rules = aggregatedRules(name, selectors, all);
    // nil and empty rules are the same to the controller (equality.Semantic).
    if (isDeepStrictEqual(rules, rulesOf(role))) return;
    this.context.api.mutate(info, '', name, (current) => ({ ...current, rules }), AS_CONTROLLER);
  }
}

/** The rules of the roles `selectors` pick among `roles` (but the role `name` itself), by name, each once. */
export function aggregatedRules(name: string, selectors: Selector[], roles: Obj[]): PolicyRule[] {
  const picked = roles
    .filter((r) => metaOf(r).name !== name && selectors.some((s) => matchesLabels(selectorFromObject(s), metaOf(r).labels)))
    .sort((a, b) => ((metaOf(a).name ?? '') < (metaOf(b).name ?? '') ? -1 : 1));
  const rules: PolicyRule[] = [];
  for (const role of picked) {
    for (const rule of rulesOf(role)) if (!rules.some((r) => isDeepStrictEqual(r, rule))) rules.push(rule);
  }
  return rules;
}

function aggregationOf(role: Obj): Selector[] | undefined {
  const rule = role['aggregationRule'] as { clusterRoleSelectors?: Selector[] } | null | undefined;
  return rule?.clusterRoleSelectors && rule.clusterRoleSelectors.length > 0 ? rule.clusterRoleSelectors : undefined;
}
