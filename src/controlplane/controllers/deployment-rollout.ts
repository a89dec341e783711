/**
 * One sync of one Deployment over its ReplicaSets, as upstream's deployment controller syncs:
 * finding (or creating) the new ReplicaSet and syncing revisions, rolling (RollingUpdate) or
 * recreating, scaling proportionally, cleaning up old ReplicaSets, and writing the status with
 * its conditions.
 */
import { metaOf, timestamp, type Obj } from '../api/object-meta.js';
import { StatusError } from '../api/status-error.js';
import { semanticEqual } from '../../api/defaults/index.js';
import { AS_CONTROLLER, resource, type ControllerContext } from './context.js';
import { controllerRefTo, controllerUidOf } from './controller-ref.js';
import {
  conditionOf, DESIRED_REPLICAS_ANNOTATION, fenceposts, MAX_REPLICAS_ANNOTATION, maxUnavailable, newCondition, newReplicaSetAnnotations,
  POD_TEMPLATE_HASH_LABEL, podTemplateHash, removeCondition, replicaAnnotations, replicasOf, REVISION_ANNOTATION, revisionOf, setCondition,
  specOf, statusCount, templateEqualIgnoringHash,
} from './deployment-util.js';
import { recordEvent } from './events.js';
import type { SyncResult } from './work-queue.js';

const COMPONENT = 'deployment-controller';

const rsReplicas = (rs: Obj): number => replicasOf(rs);
const sum = (list: readonly Obj[], count: (rs: Obj) => number): number => list.reduce((total, rs) => total + count(rs), 0);
const active = (list: readonly Obj[]): Obj[] => list.filter((rs) => rsReplicas(rs) > 0);
const byCreation = (a: Obj, b: Obj): number => (metaOf(a).creationTimestamp ?? '').localeCompare(metaOf(b).creationTimestamp ?? '') || (metaOf(a).name ?? '').localeCompare(metaOf(b).name ?? '');

/** A spec with minReadySeconds, left out at 0 as Go's omitempty leaves it. */
function withMinReadySeconds(spec: Obj, minReadySeconds: number): Obj {
  const rest = { ...spec };
  delete rest['minReadySeconds'];
  return minReadySeconds > 0 ? { ...rest, minReadySeconds } : rest;
}

export class DeploymentRollout {
  #deployment: Obj;
  #replicaSets: Obj[];

  constructor(private readonly context: ControllerContext, deployment: Obj, replicaSets: readonly Obj[]) {
    this.#deployment = deployment;
    this.#replicaSets = [...replicaSets];
  }

  /** Whether an active ReplicaSet was sized for another number of replicas: a scale, not a rollout. */
  isScalingEvent(): boolean {
    const { newRS, oldRSs } = this.#newAndOld(false);
    const replicas = replicasOf(this.#deployment);
    return active([...oldRSs, ...(newRS ? [newRS] : [])]).some((rs) => {
      const desired = metaOf(rs).annotations?.[DESIRED_REPLICAS_ANNOTATION];
      return desired !== undefined && Number(desired) !== replicas;
    });
  }

  /** A scale or a paused Deployment: sizes adjusted, history cleaned while paused, status written. */
  sync(): SyncResult {
    const { newRS, oldRSs } = this.#newAndOld(false);
    this.#scale(newRS, oldRSs);
    const current = this.#newAndOld(false);
    if (specOf(this.#deployment).paused === true) this.#cleanup(current.oldRSs);
    this.#writeStatus(this.#calculateStatus(current.newRS), false);
    return undefined;
  }

  rollingUpdate(): SyncResult {
    let { newRS, oldRSs } = this.#newAndOld(true);
    if (newRS && this.#reconcileNew(newRS)) return this.#syncRolloutStatus();
    ({ newRS, oldRSs } = this.#newAndOld(false));
    if (this.#reconcileOld(newRS, oldRSs)) return this.#syncRolloutStatus();
    ({ newRS, oldRSs } = this.#newAndOld(false));
    if (this.#complete(this.#calculateStatus(newRS))) this.#cleanup(oldRSs);
    return this.#syncRolloutStatus();
  }

  recreate(): SyncResult {
    let { newRS, oldRSs } = this.#newAndOld(false);
    let scaledDown = false;
    for (const rs of active(oldRSs)) scaledDown = this.#scaleReplicaSet(rs, 0) || scaledDown;
    if (scaledDown || this.#oldPodsRunning(oldRSs)) return this.#syncRolloutStatus();
    if (!newRS) ({ newRS, oldRSs } = this.#newAndOld(true));
    if (newRS) this.#scaleReplicaSet(newRS, replicasOf(this.#deployment));
    ({ newRS, oldRSs } = this.#newAndOld(false));
    if (this.#complete(this.#calculateStatus(newRS))) this.#cleanup(oldRSs);
    return this.#syncRolloutStatus();
  }

  /** getAllReplicaSetsAndSyncRevision: the new ReplicaSet (created when asked) and the old ones. */
  #newAndOld(create: boolean): { newRS: Obj | undefined; oldRSs: Obj[] } {
    const template = specOf(this.#deployment).template;
    const sorted = [...this.#replicaSets].sort(byCreation);
    let newRS = sorted.find((rs) => templateEqualIgnoringHash(specOf(rs).template, template));
    const oldRSs = sorted.filter((rs) => rs !== newRS);
    const revision = Math.max(0, ...oldRSs.map(revisionOf)) + 1;
    if (newRS) newRS = this.#syncExisting(newRS, revision);
    else if (create) newRS = this.#createNew(oldRSs, revision);
    return { newRS, oldRSs };
  }

  #syncExisting(rs: Obj, revision: number): Obj {
    const annotations = newReplicaSetAnnotations(this.#deployment, rs, revision, true);
    const minReady = specOf(this.#deployment).minReadySeconds ?? 0;
    let current = rs;
    if (annotations || (specOf(rs).minReadySeconds ?? 0) !== minReady) {
      current = this.#updateReplicaSet(rs, (r) => ({
        ...r,
        metadata: { ...(r['metadata'] as Obj), ...(annotations ? { annotations } : {}) },
        spec: withMinReadySeconds(r['spec'] as Obj, minReady),
      }));
    }
    const status = { ...((this.#deployment['status'] ?? {}) as Obj) };
    let changed = this.#setRevision(metaOf(current).annotations?.[REVISION_ANNOTATION]);
    if (specOf(this.#deployment).progressDeadlineSeconds !== undefined && !conditionOf(status, 'Progressing')) {
      setCondition(status, newCondition('Progressing', 'True', 'FoundNewReplicaSet', `Found new replica set "${metaOf(current).name ?? ''}"`, this.#now()));
      changed = true;
    }
    if (changed) this.#writeStatus(status, true);
    return current;
  }

  #createNew(oldRSs: Obj[], revision: number): Obj | undefined {
    const { api } = this.context;
    const d = this.#deployment;
    const meta = metaOf(d);
    const spec = specOf(d);
    const template = (spec.template ?? {});
    const collisionCount = ((d['status'] ?? {}) as { collisionCount?: number }).collisionCount;
    const hash = podTemplateHash(template, collisionCount);
    const templateMeta = (template['metadata'] ?? {}) as Obj;
    const labels = { ...((templateMeta['labels'] ?? {}) as Record<string, string>), [POD_TEMPLATE_HASH_LABEL]: hash };
    const selector = spec.selector ?? {};
    const rs: Obj = {
      apiVersion: 'apps/v1', kind: 'ReplicaSet',
      metadata: { name: `${meta.name ?? ''}-${hash}`, namespace: meta.namespace, labels, ownerReferences: [controllerRefTo(d, 'Deployment')] },
      spec: {
        replicas: 0,
        ...(spec.minReadySeconds ? { minReadySeconds: spec.minReadySeconds } : {}),
        selector: { ...selector, matchLabels: { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash } },
        template: { ...template, metadata: { ...templateMeta, labels } },
      },
    };
    const replicas = this.#newReplicas([...oldRSs, rs], rs);
    (rs['spec'] as Obj)['replicas'] = replicas;
    (rs['metadata'] as Obj)['annotations'] = newReplicaSetAnnotations(d, rs, revision, false) ?? {};
    let created: Obj;
    try {
      created = api.create(resource('replicasets', 'apps'), meta.namespace ?? '', rs, AS_CONTROLLER).object;
    } catch (error) {
      if (!(error instanceof StatusError && error.code === 409)) throw error;
      const existing = api.find(resource('replicasets', 'apps'), meta.namespace ?? '', `${meta.name ?? ''}-${hash}`);
      // Ours already, with this template (our cache was behind): use it.
      if (existing && controllerUidOf(existing) === meta.uid && templateEqualIgnoringHash(specOf(existing).template, template)) return existing;
      // A name taken by another template: hash again with a higher collision count.
      this.#writeStatus({ ...((d['status'] ?? {}) as Obj), collisionCount: (collisionCount ?? 0) + 1 }, false);
      return undefined;
    }
    this.#replicaSets.push(created);
    if (replicas > 0) this.#event(`Scaled up replica set ${metaOf(created).name ?? ''} from 0 to ${replicas}`);
    const status = { ...((this.#deployment['status'] ?? {}) as Obj) };
    if (spec.progressDeadlineSeconds !== undefined) {
      setCondition(status, newCondition('Progressing', 'True', 'NewReplicaSetCreated', `Created new replica set "${metaOf(created).name ?? ''}"`, this.#now()));
    }
    this.#setRevision(String(revision));
    this.#writeStatus(status, true);
    return created;
  }

  /** The Deployment's revision annotation, in memory: written with the next status. */
  #setRevision(revision: string | undefined): boolean {
    if (revision === undefined || metaOf(this.#deployment).annotations?.[REVISION_ANNOTATION] === revision) return false;
    const metadata = this.#deployment['metadata'] as Obj;
    this.#deployment = { ...this.#deployment, metadata: { ...metadata, annotations: { ...((metadata['annotations'] ?? {}) as Obj), [REVISION_ANNOTATION]: revision } } };
    return true;
  }

  /** NewRSNewReplicas: how big the new ReplicaSet may be now. */
  #newReplicas(allRSs: readonly Obj[], newRS: Obj): number {
    const replicas = replicasOf(this.#deployment);
    if (specOf(this.#deployment).strategy?.type !== 'RollingUpdate') return replicas;
    const maxTotal = replicas + fenceposts(this.#deployment).maxSurge;
    const current = sum(allRSs, rsReplicas);
    if (current >= maxTotal) return rsReplicas(newRS);
    return rsReplicas(newRS) + Math.min(maxTotal - current, replicas - rsReplicas(newRS));
  }

  #reconcileNew(newRS: Obj): boolean {
    const replicas = replicasOf(this.#deployment);
    if (rsReplicas(newRS) === replicas) return false;
    if (rsReplicas(newRS) > replicas) return this.#scaleReplicaSet(newRS, replicas);
    return this.#scaleReplicaSet(newRS, this.#newReplicas(this.#replicaSets, newRS));
  }

  #reconcileOld(newRS: Obj | undefined, oldRSs: Obj[]): boolean {
    if (sum(oldRSs, rsReplicas) === 0) return false;
    const all = [...oldRSs, ...(newRS ? [newRS] : [])];
    const minAvailable = replicasOf(this.#deployment) - maxUnavailable(this.#deployment);
    const newUnavailable = newRS ? rsReplicas(newRS) - statusCount(newRS, 'availableReplicas') : 0;
    const maxScaledDown = sum(all, rsReplicas) - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    // Old pods that are not available go first: deleting them costs no availability.
    let cleaned = 0;
    for (const rs of [...oldRSs].sort(byCreation)) {
      if (cleaned >= maxScaledDown) break;
      const unhealthy = rsReplicas(rs) - statusCount(rs, 'availableReplicas');
      if (rsReplicas(rs) === 0 || unhealthy <= 0) continue;
      const down = Math.min(maxScaledDown - cleaned, unhealthy);
      this.#scaleReplicaSet(rs, rsReplicas(rs) - down);
      cleaned += down;
    }
    const current = this.#newAndOld(false);
    const available = sum([...current.oldRSs, ...(current.newRS ? [current.newRS] : [])], (rs) => statusCount(rs, 'availableReplicas'));
    let scaledDown = 0;
    if (available > minAvailable) {
      const toScaleDown = available - minAvailable;
      for (const rs of [...current.oldRSs].sort(byCreation)) {
        if (scaledDown >= toScaleDown) break;
        if (rsReplicas(rs) === 0) continue;
        const down = Math.min(rsReplicas(rs), toScaleDown - scaledDown);
        this.#scaleReplicaSet(rs, rsReplicas(rs) - down);
        scaledDown += down;
      }
    }
    return cleaned + scaledDown > 0;
  }

  /** scale: the one active ReplicaSet takes the new size; during a rollout, sizes change in proportion. */
  #scale(newRS: Obj | undefined, oldRSs: Obj[]): void {
    const d = this.#deployment;
    const replicas = replicasOf(d);
    const all = [...oldRSs, ...(newRS ? [newRS] : [])];
    const activeRSs = active(all);
    const only = activeRSs.length === 1 ? activeRSs[0] : activeRSs.length === 0 ? newRS ?? [...oldRSs].sort(byCreation).at(-1) : undefined;
    if (only) {
      this.#scaleReplicaSet(only, replicas);
      return;
    }
    if (newRS && rsReplicas(newRS) === replicas && Number(metaOf(newRS).annotations?.[DESIRED_REPLICAS_ANNOTATION]) === replicas && statusCount(newRS, 'availableReplicas') === replicas) {
      for (const rs of active(oldRSs)) this.#scaleReplicaSet(rs, 0);
      return;
    }
    if (specOf(d).strategy?.type !== 'RollingUpdate') return;
    const allowed = replicas > 0 ? replicas + fenceposts(d).maxSurge : 0;
    const toAdd = allowed - sum(activeRSs, rsReplicas);
    // Larger first; on a tie, newer first when growing and older first when shrinking.
    const ordered = [...activeRSs].sort((a, b) => rsReplicas(b) - rsReplicas(a) || (toAdd > 0 ? byCreation(b, a) : byCreation(a, b)));
    const sizes = new Map<Obj, number>();
    let added = 0;
    for (const rs of ordered) {
      let proportion = 0;
      if (toAdd !== 0 && toAdd !== added) {
        const annotated = Number(metaOf(rs).annotations?.[MAX_REPLICAS_ANNOTATION] ?? statusCount(d, 'replicas'));
        const fraction = replicas === 0 ? -rsReplicas(rs) : Math.round((rsReplicas(rs) * allowed) / (annotated || 1)) - rsReplicas(rs);
        proportion = toAdd > 0 ? Math.min(fraction, toAdd - added) : Math.max(fraction, toAdd - added);
      }
      sizes.set(rs, rsReplicas(rs) + proportion);
      added += proportion;
    }
    if (toAdd !== 0 && ordered[0]) sizes.set(ordered[0], Math.max(0, (sizes.get(ordered[0]) ?? 0) + toAdd - added));
    for (const rs of ordered) this.#scaleReplicaSet(rs, sizes.get(rs) ?? rsReplicas(rs));
  }

  /** Sets a ReplicaSet's replicas and replica annotations; true when its size changed. */
  #scaleReplicaSet(rs: Obj, size: number): boolean {
    const annotations = { ...(metaOf(rs).annotations ?? {}), ...replicaAnnotations(this.#deployment) };
    const sizeChanged = rsReplicas(rs) !== size;
    if (!sizeChanged && semanticEqual(annotations, metaOf(rs).annotations ?? {})) return false;
    const from = rsReplicas(rs);
    this.#updateReplicaSet(rs, (r) => ({ ...r, metadata: { ...(r['metadata'] as Obj), annotations }, spec: { ...(r['spec'] as Obj), replicas: size } }));
    if (sizeChanged) this.#event(`Scaled ${from < size ? 'up' : 'down'} replica set ${metaOf(rs).name ?? ''} from ${from} to ${size}`);
    return sizeChanged;
  }

  #updateReplicaSet(rs: Obj, change: (current: Obj) => Obj): Obj {
    const meta = metaOf(rs);
    const updated = this.context.api.mutate(resource('replicasets', 'apps'), meta.namespace ?? '', meta.name ?? '', change, AS_CONTROLLER) ?? rs;
    this.#replicaSets = this.#replicaSets.map((r) => (metaOf(r).uid === meta.uid ? updated : r));
    return updated;
  }

  #oldPodsRunning(oldRSs: readonly Obj[]): boolean {
    const uids = new Set(oldRSs.map((rs) => metaOf(rs).uid));
    return this.context.api.list(resource('pods'), metaOf(this.#deployment).namespace ?? '').items.some((pod) => {
      const phase = ((pod['status'] ?? {}) as { phase?: string }).phase;
      return uids.has(controllerUidOf(pod)) && phase !== 'Succeeded' && phase !== 'Failed';
    });
  }

  /** cleanupDeployment: old, empty ReplicaSets beyond revisionHistoryLimit deleted, oldest revisions first. */
  #cleanup(oldRSs: readonly Obj[]): void {
    const limit = specOf(this.#deployment).revisionHistoryLimit;
    if (limit === undefined) return;
    const cleanable = oldRSs.filter((rs) => metaOf(rs).deletionTimestamp === undefined).sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
    for (const rs of cleanable.slice(0, Math.max(0, cleanable.length - limit))) {
      const observed = ((rs['status'] ?? {}) as { observedGeneration?: number }).observedGeneration ?? 0;
      if (statusCount(rs, 'replicas') !== 0 || rsReplicas(rs) !== 0 || (metaOf(rs).generation ?? 0) > observed) continue;
      try {
        this.context.api.delete(resource('replicasets', 'apps'), metaOf(rs).namespace ?? '', metaOf(rs).name ?? '', {}, AS_CONTROLLER);
      } catch (error) {
        if (!(error instanceof StatusError && error.code === 404)) throw error;
      }
    }
  }

  #calculateStatus(newRS: Obj | undefined): Obj {
    const d = this.#deployment;
    const all = this.#replicaSets;
    const replicas = sum(all, (rs) => statusCount(rs, 'replicas'));
    const available = sum(all, (rs) => statusCount(rs, 'availableReplicas'));
    const old = (d['status'] ?? {}) as Obj;
    const updated = newRS ? statusCount(newRS, 'replicas') : 0;
    const ready = sum(all, (rs) => statusCount(rs, 'readyReplicas'));
    const unavailable = Math.max(0, replicas - available);
    // The Go type's omitempty counts are left out at zero, as kube-controller-manager writes them.
    const status: Obj = {
      observedGeneration: metaOf(d).generation ?? 1,
      ...(replicas > 0 ? { replicas } : {}),
      ...(updated > 0 ? { updatedReplicas: updated } : {}),
      ...(ready > 0 ? { readyReplicas: ready } : {}),
      ...(available > 0 ? { availableReplicas: available } : {}),
      ...(unavailable > 0 ? { unavailableReplicas: unavailable } : {}),
      terminatingReplicas: sum(all, (rs) => statusCount(rs, 'terminatingReplicas')),
      ...(old['collisionCount'] === undefined ? {} : { collisionCount: old['collisionCount'] }),
      ...(old['conditions'] === undefined ? {} : { conditions: old['conditions'] }),
    };
    const now = this.#now();
    if (available >= replicasOf(d) - maxUnavailable(d)) {
      setCondition(status, newCondition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', now));
    } else {
      setCondition(status, newCondition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.', now));
    }
    return status;
  }

  /** DeploymentComplete: every replica updated and available, the generation observed. */
  #complete(status: Obj): boolean {
    const replicas = replicasOf(this.#deployment);
    return statusCount({ status }, 'updatedReplicas') === replicas && statusCount({ status }, 'replicas') === replicas
      && statusCount({ status }, 'availableReplicas') === replicas && statusCount({ status }, 'observedGeneration') >= (metaOf(this.#deployment).generation ?? 1);
  }

  /** syncRolloutStatus: the status, with Progressing as the rollout completes, progresses or times out. */
  #syncRolloutStatus(): SyncResult {
    const { newRS } = this.#newAndOld(false);
    const d = this.#deployment;
    const deadline = specOf(d).progressDeadlineSeconds;
    const status = this.#calculateStatus(newRS);
    const old = (d['status'] ?? {}) as Obj;
    if (deadline === undefined) removeCondition(status, 'Progressing');
    const current = conditionOf(status, 'Progressing');
    const completed = statusCount({ status }, 'replicas') === statusCount({ status }, 'updatedReplicas') && current?.reason === 'NewReplicaSetAvailable';
    const now = this.context.api.now();
    const rsName = newRS ? metaOf(newRS).name ?? '' : '';
    let requeueAfterMs: number | undefined;
    if (deadline !== undefined && !completed) {
      const progressed = statusCount({ status }, 'updatedReplicas') > statusCount(d, 'updatedReplicas')
        || statusCount({ status }, 'availableReplicas') > statusCount(d, 'availableReplicas')
        || statusCount({ status }, 'readyReplicas') > statusCount(d, 'readyReplicas')
        || statusCount({ status }, 'replicas') - statusCount({ status }, 'updatedReplicas') < statusCount(d, 'replicas') - statusCount(d, 'updatedReplicas');
      if (this.#complete(status)) {
        const message = newRS ? `ReplicaSet "${rsName}" has successfully progressed.` : 'Deployment has successfully progressed.';
        setCondition(status, newCondition('Progressing', 'True', 'NewReplicaSetAvailable', message, timestamp(now)));
      } else if (progressed) {
        const condition = newCondition('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${rsName}" is progressing.`, timestamp(now));
        // A Progressing condition already True is updated, its transition time kept.
        if (current?.status === 'True') condition.lastTransitionTime = current.lastTransitionTime;
        removeCondition(status, 'Progressing');
        setCondition(status, condition);
      } else if (current && current.reason !== 'ProgressDeadlineExceeded' && current.status !== 'Unknown') {
        const due = Date.parse(current.lastUpdateTime) + deadline * 1000;
        if (due <= now.getTime()) {
          setCondition(status, newCondition('Progressing', 'False', 'ProgressDeadlineExceeded', `ReplicaSet "${rsName}" has timed out progressing.`, timestamp(now)));
        } else {
          requeueAfterMs = due - now.getTime() + 1000;
        }
      }
    }
    // A ReplicaSet's failure to create pods shows on the Deployment: the new one's first.
    type RsCondition = { type: string; status: string; lastTransitionTime?: string; reason?: string; message?: string };
    const failure = [newRS, ...this.#replicaSets].flatMap((rs) => (rs ? ((rs['status'] ?? {}) as { conditions?: RsCondition[] }).conditions ?? [] : [])).find((c) => c.type === 'ReplicaFailure');
    if (failure) {
      const since = failure.lastTransitionTime ?? timestamp(now);
      setCondition(status, { type: 'ReplicaFailure', status: failure.status, lastUpdateTime: since, lastTransitionTime: since, reason: failure.reason ?? '', message: failure.message ?? '' });
    } else {
      removeCondition(status, 'ReplicaFailure');
    }
    if (!semanticEqual(old, status)) this.#writeStatus(status, false);
    return requeueAfterMs === undefined ? undefined : { requeueAfterMs };
  }

  /** Writes the status (and the revision annotation held in memory) through the status subresource. */
  #writeStatus(status: Obj, withAnnotations: boolean): void {
    const meta = metaOf(this.#deployment);
    const annotations = meta.annotations;
    const written = this.context.api.mutate(resource('deployments', 'apps'), meta.namespace ?? '', meta.name ?? '', (d) => {
      const metadata = d['metadata'] as Obj;
      return { ...d, metadata: withAnnotations || annotations?.[REVISION_ANNOTATION] !== undefined ? { ...metadata, annotations: { ...((metadata['annotations'] ?? {}) as Obj), ...(annotations?.[REVISION_ANNOTATION] === undefined ? {} : { [REVISION_ANNOTATION]: annotations[REVISION_ANNOTATION] }) } } : metadata, status };
    }, AS_CONTROLLER, 'status');
    if (written) this.#deployment = written;
  }

  #event(message: string): void {
    recordEvent(this.context.api, this.#deployment, { type: 'Normal', reason: 'ScalingReplicaSet', message, component: COMPONENT });
  }

  #now(): string {
    return timestamp(this.context.api.now());
  }
}
