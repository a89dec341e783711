/**
 * SelfSubjectRulesReview (`authorization.k8s.io/v1`): what the user who asks may do in a
 * namespace (`kubectl auth can-i --list`), as the authorizers enumerate it: RBAC's rules from the
 * ClusterRoleBindings and the namespace's RoleBindings, split into resource and non-resource
 * rules. The Node authorizer cannot enumerate a node's permissions, so a node's list is
 * incomplete, as upstream says. Never stored.
 */
import type { ObjectApi } from '../api/object-api.js';
import { isObject, type Obj } from '../api/object-meta.js';
import { badRequest, StatusError } from '../api/status-error.js';
import { nodeIdentity } from './node-identity.js';
import { apiPolicyReader } from './rbac/policy-reader.js';
import { rulesFor } from './rbac/rule-resolver.js';
import type { UserInfo } from './user.js';

const KIND = 'SelfSubjectRulesReview';

/**
 * The answer to a SelfSubjectRulesReview `body` from `user`.
 * @throws StatusError 400 for a body of another kind or API version, 422 without a namespace
 */
export function reviewSelfRules(body: unknown, user: UserInfo, api: Pick<ObjectApi, 'list'>): Obj {
  if (!isObject(body)) throw badRequest(`${KIND} must be a JSON object`);
  for (const [field, expected] of [['apiVersion', 'authorization.k8s.io/v1'], ['kind', KIND]] as const) {
    if (body[field] !== undefined && body[field] !== expected) {
      throw badRequest(`the ${field === 'kind' ? 'kind' : 'API version'} in the data (${JSON.stringify(body[field])}) does not match the expected ${field === 'kind' ? 'kind' : 'API version'} (${expected})`);
    }
  }
  const spec = isObject(body['spec']) ? body['spec'] : {};
  const namespace = typeof spec['namespace'] === 'string' ? spec['namespace'] : '';
  if (namespace === '') {
    throw new StatusError(400, 'BadRequest', 'no namespace on request');
  }
  const { rules, errors } = rulesFor(apiPolicyReader(api), user, namespace);
  // Only the Node authorizer says its list is incomplete; RBAC's missing roles are evaluation errors.
  const node = nodeIdentity(user) !== undefined;
  if (node) errors.unshift('node authorizer does not support user rule resolution');
  const resourceRules = rules.filter((r) => (r.resources ?? []).length > 0).map((r) => ({
    verbs: r.verbs ?? [],
    ...(r.apiGroups?.length ? { apiGroups: r.apiGroups } : {}),
    ...(r.resources?.length ? { resources: r.resources } : {}),
    ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}),
  }));
  const nonResourceRules = rules.filter((r) => (r.nonResourceURLs ?? []).length > 0).map((r) => ({ verbs: r.verbs ?? [], nonResourceURLs: r.nonResourceURLs }));
  return {
    kind: KIND, apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec: {},
    status: {
      resourceRules, nonResourceRules, incomplete: node,
      ...(errors.length > 0 ? { evaluationError: errors.length === 1 ? errors[0] : `[${errors.join(', ')}]` } : {}),
    },
  };
}
