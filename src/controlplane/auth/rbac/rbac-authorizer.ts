/**
 * The RBAC authorizer (kube-apiserver's --authorization-mode RBAC): a request is allowed when a
 * rule of a role bound to the user allows it, and the reason names the binding
 * (`RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to Group "z"`). A refusal's reason
 * is empty, or names the roles its bindings name that do not exist (`RBAC: [...]`).
 */
import type { UserInfo } from '../user.js';
import type { PolicyReader } from './policy-reader.js';
import { ruleAllowsPath, ruleAllowsResource, type PathRequest, type PolicyRule, type ResourceRequest } from './policy-rule.js';
import { visitRulesFor } from './rule-resolver.js';

export interface RbacDecision {
  allowed: boolean;
  reason: string;
}

/** Whether RBAC allows `user` the resource request in `namespace` ('' for the cluster scope). */
export function rbacAllowsResource(reader: PolicyReader, user: Pick<UserInfo, 'username' | 'groups'>, namespace: string, request: ResourceRequest): RbacDecision {
  return decide(reader, user, namespace, (rule) => ruleAllowsResource(rule, request));
}

/** Whether RBAC allows `user` the non-resource request (cluster roles only, as upstream). */
export function rbacAllowsPath(reader: PolicyReader, user: Pick<UserInfo, 'username' | 'groups'>, request: PathRequest): RbacDecision {
  return decide(reader, user, '', (rule) => ruleAllowsPath(rule, request));
}

function decide(reader: PolicyReader, user: Pick<UserInfo, 'username' | 'groups'>, namespace: string, allows: (rule: PolicyRule) => boolean): RbacDecision {
  let allowedBy: string | undefined;
  const errors = visitRulesFor(reader, user, namespace, (source, rule) => {
    if (!allows(rule)) return true;
    allowedBy = source;
    return false;
  });
  if (allowedBy !== undefined) return { allowed: true, reason: `RBAC: allowed by ${allowedBy}` };
  // utilerrors.NewAggregate: one error as it is, several in brackets.
  if (errors.length === 0) return { allowed: false, reason: '' };
  return { allowed: false, reason: `RBAC: ${errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]`}` };
}
