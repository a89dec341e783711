/**
 * SubjectAccessReview (`authorization.k8s.io/v1`): "may this user do this?", answered by the
 * API server's own authorizer and never stored. Kubelets ask it about the callers of their
 * endpoint (webhook authorization); the same client works against kube-apiserver. And
 * SelfSubjectAccessReview, the same question about the user who asks (`kubectl auth can-i`), and
 * LocalSubjectAccessReview, a SubjectAccessReview within one namespace.
 */
import type { ObjectApi } from '../api/object-api.js';
import { isObject, type Obj } from '../api/object-meta.js';
import { findResource } from '../resources/index.js';
import { badRequest, StatusError } from '../api/status-error.js';
import { decide, decidePath, type Decision } from './authorizer.js';
import { apiPolicyReader } from './rbac/policy-reader.js';
import type { UserInfo } from './user.js';

interface ReviewSpec {
  resourceAttributes?: { namespace?: string; verb?: string; group?: string; version?: string; resource?: string; subresource?: string; name?: string; fieldSelector?: { rawSelector?: string } };
  nonResourceAttributes?: { path?: string; verb?: string };
  user?: string;
  groups?: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

/**
 * The review `body` asks for, with its `status` filled in.
 * @throws StatusError 400 for a body that is not a SubjectAccessReview, 422 for an invalid one
 */
export function reviewAccess(body: unknown, api: Pick<ObjectApi, 'list' | 'store'>): Obj {
  const { spec, metadata } = read('SubjectAccessReview', body);
  validate('SubjectAccessReview', spec, metadata);
  return answer('SubjectAccessReview', spec, evaluate(subject(spec), spec, api));
}

/**
 * A SelfSubjectAccessReview: `body`'s question about `user`, the one who asks, with its `status`
 * filled in. Any authenticated user may ask it (RBAC's system:basic-user).
 * @throws StatusError 400 for a body that is not one, 422 for an invalid one
 */
export function reviewSelfAccess(body: unknown, user: UserInfo, api: Pick<ObjectApi, 'list' | 'store'>): Obj {
  const { spec, metadata } = read('SelfSubjectAccessReview', body);
  validate('SelfSubjectAccessReview', spec, metadata);
  return answer('SelfSubjectAccessReview', spec, evaluate(user, spec, api));
}

/**
 * A LocalSubjectAccessReview in `namespace`: a SubjectAccessReview whose resource attributes are
 * in that namespace, with its `status` filled in.
 * @throws StatusError 400 for a body that is not one, 422 for an invalid one
 */
export function reviewLocalAccess(body: unknown, namespace: string, api: Pick<ObjectApi, 'list' | 'store'>): Obj {
  const { spec, metadata } = read('LocalSubjectAccessReview', body);
  validate('LocalSubjectAccessReview', spec, metadata, namespace);
  const answered = answer('LocalSubjectAccessReview', spec, evaluate(subject(spec), spec, api));
  return { ...answered, metadata: { namespace, creationTimestamp: null } };
}

type ReviewKind = 'SubjectAccessReview' | 'SelfSubjectAccessReview' | 'LocalSubjectAccessReview';

/** A review's spec and metadata. @throws StatusError 400 for a body of another kind or API version */
function read(kind: ReviewKind, body: unknown): { spec: ReviewSpec; metadata: unknown } {
  if (!isObject(body)) throw badRequest(`${kind} must be a JSON object`);
  for (const [field, expected] of [['apiVersion', 'authorization.k8s.io/v1'], ['kind', kind]] as const) {
    if (body[field] !== undefined && body[field] !== expected) {
      throw badRequest(`the ${field === 'kind' ? 'kind' : 'API version'} in the data (${JSON.stringify(body[field])}) does not match the expected ${field === 'kind' ? 'kind' : 'API version'} (${expected})`);
    }
  }
  return { spec: isObject(body['spec']) ? body['spec'] : {}, metadata: body['metadata'] };
}

function answer(kind: ReviewKind, spec: ReviewSpec, decision: Decision): Obj {
  return { kind, apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec, status: statusOf(decision) };
}

function evaluate(user: UserInfo, spec: ReviewSpec, api: Pick<ObjectApi, 'list' | 'store'>): Decision {
  const r = spec.resourceAttributes;
  if (!r) {
    return decidePath(user, { path: spec.nonResourceAttributes?.path ?? '', verb: spec.nonResourceAttributes?.verb ?? '' }, apiPolicyReader(api));
  }
  const namespace = r.namespace ?? '';
  const known = findResource(r.group ?? '', r.version || 'v1', r.resource ?? '');
  return decide(user, {
    verb: r.verb ?? '', group: r.group ?? '', resource: r.resource ?? '', namespace,
    namespaced: known ? known.namespaced : namespace !== '', reviewed: true,
    ...(r.subresource ? { subresource: r.subresource } : {}),
    ...(r.name ? { name: r.name } : {}),
    ...(r.fieldSelector?.rawSelector ? { fieldSelector: r.fieldSelector.rawSelector } : {}),
  }, api);
}

/** The user a review names; a service account by its user name, as RBAC's subjects match it. */
function subject(spec: ReviewSpec): UserInfo {
  const username = spec.user ?? '';
  const account = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(username);
  return {
    username,
    groups: spec.groups ?? [],
    ...(spec.uid ? { uid: spec.uid } : {}),
    ...(account ? { serviceAccount: { namespace: account[1]!, name: account[2]!, uid: spec.uid ?? '' } } : {}),
  };
}

function statusOf(decision: Decision): Obj {
  return { allowed: decision.allowed, ...(decision.reason === '' ? {} : { reason: decision.reason }) };
}

/** kube-apiserver's validation of a SubjectAccessReview or SelfSubjectAccessReview. @throws StatusError 422 */
function validate(kind: ReviewKind, spec: ReviewSpec, metadata: unknown, namespace = ''): void {
  const causes: { field: string; message: string }[] = [];
  if (spec.resourceAttributes && spec.nonResourceAttributes) {
    causes.push({ field: 'spec.nonResourceAttributes', message: `Invalid value: ${JSON.stringify(spec.nonResourceAttributes)}: cannot be specified in combination with resourceAttributes` });
  }
  if (!spec.resourceAttributes && !spec.nonResourceAttributes) {
    causes.push({ field: 'spec.resourceAttributes', message: 'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified' });
  }
  if (kind !== 'SelfSubjectAccessReview' && !spec.user && (spec.groups ?? []).length === 0) causes.push({ field: 'spec.user', message: 'Invalid value: "": at least one of user or group must be specified' });
  const local = kind === 'LocalSubjectAccessReview';
  if (isObject(metadata) && Object.entries(metadata).some(([key, value]) => key !== 'creationTimestamp' && !(local && key === 'namespace') && value !== undefined && value !== null)) {
    causes.push({ field: 'metadata', message: `Invalid value: {}: ${local ? 'must be empty except for namespace' : 'must be empty'}` });
  }
  if (local && spec.resourceAttributes && (spec.resourceAttributes.namespace ?? '') !== namespace) {
    causes.push({ field: 'spec.resourceAttributes.namespace', message: `Invalid value: ${JSON.stringify(spec.resourceAttributes.namespace ?? '')}: must match metadata.namespace` });
  }
  if (local && spec.nonResourceAttributes) {
    causes.push({ field: 'spec.nonResourceAttributes', message: `Invalid value: ${JSON.stringify(spec.nonResourceAttributes)}: disallowed on this kind of request` });
  }
  if (causes.length === 0) return;
  const summary = causes.length === 1 ? `${causes[0]!.field}: ${causes[0]!.message}` : `[${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}]`;
  throw new StatusError(422, 'Invalid', `${kind}.authorization.k8s.io "" is invalid: ${summary}`, {
    group: 'authorization.k8s.io', kind,
    causes: causes.map((c) => ({ reason: 'FieldValueInvalid', message: c.message, field: c.field })),
  });
}
