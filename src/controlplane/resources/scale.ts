/**
 * The scale subresource (autoscaling/v1 Scale) of the replicated workloads: a view of
 * `spec.replicas`, `status.replicas` and the selector, and the change of `spec.replicas` a Scale
 * write makes, as kube-apiserver's ScaleREST for Deployments and ReplicaSets.
 */
import { objectAt, type JsonObject } from '../../api/defaults/json.js';
import { FieldPath, invalid, type FieldError } from '../../policy/field.js';
import { formatLabelSelector } from '../tables/shared.js';

/** The subresource's entry in a definition's `subresources`, after its name. */
export const SCALE_SUBRESOURCE = { kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] } as const;

/** The Scale of a Deployment or ReplicaSet. */
export function scaleOf(object: JsonObject): JsonObject {
  const meta = objectAt(object, 'metadata') ?? {};
  const spec = objectAt(object, 'spec') ?? {};
  const status = objectAt(object, 'status') ?? {};
  const selector = formatLabelSelector(spec['selector']);
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: meta['name'], namespace: meta['namespace'], uid: meta['uid'], resourceVersion: meta['resourceVersion'], creationTimestamp: meta['creationTimestamp'],
    },
    spec: { replicas: typeof spec['replicas'] === 'number' ? spec['replicas'] : 0 },
    status: { replicas: typeof status['replicas'] === 'number' ? status['replicas'] : 0, ...(selector === '<none>' ? {} : { selector }) },
  };
}

/** ValidateScale: a Scale's own errors. */
export function scaleErrors(scale: JsonObject): FieldError[] {
  const replicas = objectAt(scale, 'spec')?.['replicas'];
  return typeof replicas === 'number' && replicas < 0 ? [invalid(FieldPath.root('spec').child('replicas'), replicas, 'must be greater than or equal to 0')] : [];
}

/** The object with the Scale's replicas in its spec (0 when the Scale names none, as Go's int32 zero value). */
export function withScale(object: JsonObject, scale: JsonObject): JsonObject {
  const replicas = objectAt(scale, 'spec')?.['replicas'];
  return { ...object, spec: { ...(objectAt(object, 'spec') ?? {}), replicas: typeof replicas === 'number' ? replicas : 0 } };
}
