/**
 * The Deployment controller, as kube-controller-manager's: a ReplicaSet per template (named
 * DEPLOYMENT-HASH, the pod-template-hash label added to its template and selector), the newest
 * scaled up and the old ones down as the strategy allows (RollingUpdate within maxSurge and
 * maxUnavailable, Recreate all old pods gone first), replicas spread proportionally when the
 * Deployment is scaled mid-rollout, nothing rolled while paused, revisions in annotations, old
 * ReplicaSets beyond revisionHistoryLimit deleted, and the Available and Progressing conditions
 * (with the progress deadline) in the status. The steps are in deployment-rollout.ts.
 */
import { metaOf, timestamp, type Obj } from '../api/object-meta.js';
import { selectorFromObject } from '../api/selectors.js';
import { AS_CONTROLLER, resource, type Controller, type ControllerContext } from './context.js';
import { claim, controllerNameOf } from './controller-ref.js';
import { conditionOf, newCondition, setCondition, specOf, type DeploymentCondition } from './deployment-util.js';
import { DeploymentRollout } from './deployment-rollout.js';
import { WorkQueue, type SyncResult } from './work-queue.js';

export class DeploymentController implements Controller {
  readonly #queue: WorkQueue;
  readonly #unsubscribe: (() => void)[] = [];

  constructor(private readonly context: ControllerContext) {
    this.#queue = new WorkQueue('deployment', (key) => this.#sync(key), context.log, context.api.store);
  }

  start(): void {
    const { store } = this.context.api;
    this.#unsubscribe.push(store.subscribe('apps/deployments', (change) => this.#queue.add(`${change.key.namespace}/${change.key.name}`)));
    this.#unsubscribe.push(store.subscribe('apps/replicasets', (change) => {
      const owners = [change.object, change.previous].map((rs) => (rs ? controllerNameOf(rs, 'Deployment') : undefined));
      for (const owner of owners) if (owner) this.#queue.add(`${change.key.namespace}/${owner}`);
      if (change.object && !metaOf(change.object).ownerReferences?.some((r) => r.controller === true)) this.#enqueueNamespace(change.key.namespace);
    }));
    // A Recreate waits for the old pods to be gone.
    this.#unsubscribe.push(store.subscribe('pods', (change) => {
      if (change.type !== 'DELETED' || !change.previous) return;
      const rsName = controllerNameOf(change.previous, 'ReplicaSet');
      const rs = rsName ? this.context.api.find(resource('replicasets', 'apps'), change.key.namespace, rsName) : undefined;
      const owner = rs ? controllerNameOf(rs, 'Deployment') : undefined;
      if (owner) this.#queue.add(`${change.key.namespace}/${owner}`);
    }));
    for (const d of this.context.api.list(resource('deployments', 'apps'), '').items) this.#queue.add(`${metaOf(d).namespace ?? ''}/${metaOf(d).name ?? ''}`);
  }

  stop(): void {
    for (const u of this.#unsubscribe) u();
    this.#queue.stop();
  }

  #enqueueNamespace(namespace: string): void {
    for (const d of this.context.api.list(resource('deployments', 'apps'), namespace).items) this.#queue.add(`${namespace}/${metaOf(d).name ?? ''}`);
  }

  #sync(key: string): SyncResult {
    const [namespace = '', name = ''] = key.split('/');
    const { api } = this.context;
    const deployments = resource('deployments', 'apps');
    let deployment = api.find(deployments, namespace, name);
    if (!deployment) return;
    const selector = selectorFromObject(specOf(deployment).selector);
    // Upstream refuses to act on an empty selector: it would select every pod.
    if (selector.length === 0) return;
    const replicaSets = resource('replicasets', 'apps');
    const owned = claim(api, replicaSets, deployment, 'Deployment', selector, api.list(replicaSets, namespace).items);
    if (metaOf(deployment).deletionTimestamp !== undefined) return;
    deployment = this.#checkPaused(deployment);
    const rollout = new DeploymentRollout(this.context, deployment, owned);
    if (specOf(deployment).paused === true || rollout.isScalingEvent()) return rollout.sync();
    return specOf(deployment).strategy?.type === 'Recreate' ? rollout.recreate() : rollout.rollingUpdate();
  }

  /** checkPausedConditions: Progressing Unknown with DeploymentPaused or DeploymentResumed as the Deployment is paused or resumed. */
  #checkPaused(deployment: Obj): Obj {
    const spec = specOf(deployment);
    if (spec.progressDeadlineSeconds === undefined) return deployment;
    const status = (deployment['status'] ?? {}) as Obj;
    const current = conditionOf(status, 'Progressing');
    if (current?.reason === 'ProgressDeadlineExceeded') return deployment;
    const pausedExists = current?.reason === 'DeploymentPaused';
    const now = timestamp(this.context.api.now());
    let condition: DeploymentCondition | undefined;
    if (spec.paused === true && !pausedExists) condition = newCondition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused', now);
    else if (spec.paused !== true && pausedExists) condition = newCondition('Progressing', 'Unknown', 'DeploymentResumed', 'Deployment is resumed', now);
    if (!condition) return deployment;
    const meta = metaOf(deployment);
    return this.context.api.mutate(resource('deployments', 'apps'), meta.namespace ?? '', meta.name ?? '', (d) => {
      const next = { ...((d['status'] ?? {}) as Obj) };
      setCondition(next, condition);
      return { ...d, status: next };
    }, AS_CONTROLLER, 'status') ?? deployment;
  }
}
