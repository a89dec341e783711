/**
 * What the Deployment controller computes, as upstream's deployment/util: the pod-template-hash,
 * the rolling-update fenceposts (maxSurge rounded up, maxUnavailable down), the revision and
 * replica annotations of ReplicaSets, and the Deployment's conditions.
 */
import { semanticEqual } from '../../api/defaults/index.js';
import { metaOf, type Obj } from '../api/object-meta.js';
import { stableJson } from '../../api/json/index.js';

export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
/** Annotations of a Deployment not copied to its ReplicaSets. */
const NOT_COPIED = new Set([
  'kubectl.kubernetes.io/last-applied-configuration', REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, 'deprecated.deployment.rollback.to',
]);
const MAX_REVISION_HISTORY_CHARS = 2000;

export interface DeploymentSpec {
  replicas?: number;
  paused?: boolean;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  progressDeadlineSeconds?: number;
  selector?: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
  strategy?: { type?: string; rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } };
  template?: Obj;
}

export const specOf = (object: Obj): DeploymentSpec => (object['spec'] ?? {});
export const replicasOf = (object: Obj): number => specOf(object).replicas ?? 1;
export const statusCount = (object: Obj, field: string): number => {
  const value = ((object['status'] ?? {}) as Obj)[field];
  return typeof value === 'number' ? value : 0;
};

/**
 * The pod-template-hash of a template: FNV-1a (32 bits) of the template and the collision count,
 * written as rand.SafeEncodeString writes the hash's decimal digits. Upstream hashes Go's dump
 * of the struct, which hostpod cannot reproduce, so names differ from a real cluster's.
 */
export function podTemplateHash(template: Obj, collisionCount: number | undefined): string {
  let hash = 0x811c9dc5;
  const text = stableJson(template) + (collisionCount === undefined ? '' : String(collisionCount));
  for (const byte of Buffer.from(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return [...String(hash)].map((digit) => alphabet[digit.charCodeAt(0) % alphabet.length]).join('');
}

/** The template without the pod-template-hash label: what EqualIgnoreHash compares. */
export function templateEqualIgnoringHash(a: Obj | undefined, b: Obj | undefined): boolean {
  return semanticEqual(withoutHash(a), withoutHash(b));
}

function withoutHash(template: Obj | undefined): unknown {
  if (!template) return template;
  const metadata = (template['metadata'] ?? {}) as Obj;
  const labels = { ...((metadata['labels'] ?? {}) as Record<string, string>) };
  delete labels[POD_TEMPLATE_HASH_LABEL];
  return { ...template, metadata: { ...metadata, labels } };
}

/** An int-or-percent of `total`: a percentage rounded up or down, a number as it is. */
function scaledValue(value: number | string | undefined, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string' || !/^[0-9]+%$/.test(value)) return 0;
  const exact = (Number.parseInt(value, 10) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** ResolveFenceposts: maxSurge and maxUnavailable as counts, never both 0. */
export function fenceposts(deployment: Obj): { maxSurge: number; maxUnavailable: number } {
  const spec = specOf(deployment);
  if (spec.strategy?.type !== 'RollingUpdate') return { maxSurge: 0, maxUnavailable: 0 };
  const rolling = spec.strategy.rollingUpdate ?? {};
  const replicas = replicasOf(deployment);
  const maxSurge = scaledValue(rolling.maxSurge ?? '25%', replicas, true);
  const maxUnavailable = scaledValue(rolling.maxUnavailable ?? '25%', replicas, false);
  return { maxSurge, maxUnavailable: maxSurge === 0 && maxUnavailable === 0 ? 1 : maxUnavailable };
}

/** MaxUnavailable: at most the replicas. */
export function maxUnavailable(deployment: Obj): number {
  if (specOf(deployment).strategy?.type !== 'RollingUpdate' || replicasOf(deployment) === 0) return 0;
  return Math.min(fenceposts(deployment).maxUnavailable, replicasOf(deployment));
}

export function revisionOf(object: Obj): number {
  const value = metaOf(object).annotations?.[REVISION_ANNOTATION];
  return value !== undefined && /^[0-9]+$/.test(value) ? Number(value) : 0;
}

/**
 * SetNewReplicaSetAnnotations: the Deployment's annotations copied, the new revision (the old one
 * kept in the revision history when the ReplicaSet comes back), and for a new ReplicaSet the
 * replica annotations. Returns the annotations, or undefined when nothing changes.
 */
export function newReplicaSetAnnotations(deployment: Obj, rs: Obj, revision: number, exists: boolean): Record<string, string> | undefined {
  const annotations = { ...(metaOf(rs).annotations ?? {}) };
  for (const [key, value] of Object.entries(metaOf(deployment).annotations ?? {})) {
    if (!NOT_COPIED.has(key)) annotations[key] = value;
  }
  const oldRevision = annotations[REVISION_ANNOTATION];
  const oldNumber = oldRevision !== undefined && /^[0-9]+$/.test(oldRevision) ? Number(oldRevision) : 0;
  if (oldNumber < revision) {
    annotations[REVISION_ANNOTATION] = String(revision);
    if (oldRevision !== undefined) {
      const history = annotations[REVISION_HISTORY_ANNOTATION];
      const revisions = history ? history.split(',') : [];
      revisions.push(oldRevision);
      while (revisions.join(',').length > MAX_REVISION_HISTORY_CHARS && revisions.length > 1) revisions.shift();
      annotations[REVISION_HISTORY_ANNOTATION] = revisions.join(',');
    }
  }
  if (!exists) Object.assign(annotations, replicaAnnotations(deployment));
  return semanticEqual(annotations, metaOf(rs).annotations ?? {}) ? undefined : annotations;
}

/** The desired-replicas and max-replicas annotations a ReplicaSet of the Deployment carries. */
export function replicaAnnotations(deployment: Obj): Record<string, string> {
  const replicas = replicasOf(deployment);
  return { [DESIRED_REPLICAS_ANNOTATION]: String(replicas), [MAX_REPLICAS_ANNOTATION]: String(replicas + fenceposts(deployment).maxSurge) };
}

export interface DeploymentCondition {
  type: string;
  status: string;
  lastUpdateTime: string;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export function conditionOf(status: Obj, type: string): DeploymentCondition | undefined {
  return ((status['conditions'] ?? []) as DeploymentCondition[]).find((c) => c.type === type);
}

/**
 * SetDeploymentCondition: the same status and reason changes nothing; the same status keeps its
 * transition time; the condition replaces any of its type, at the end.
 */
export function setCondition(status: Obj, condition: DeploymentCondition): void {
  const current = conditionOf(status, condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason) return;
  const next = current && current.status === condition.status ? { ...condition, lastTransitionTime: current.lastTransitionTime } : condition;
  status['conditions'] = [...((status['conditions'] ?? []) as DeploymentCondition[]).filter((c) => c.type !== condition.type), next];
}

export function removeCondition(status: Obj, type: string): void {
  const conditions = ((status['conditions'] ?? []) as DeploymentCondition[]).filter((c) => c.type !== type);
  if (conditions.length > 0) status['conditions'] = conditions;
  else delete status['conditions'];
}

export function newCondition(type: string, status: string, reason: string, message: string, now: string): DeploymentCondition {
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

