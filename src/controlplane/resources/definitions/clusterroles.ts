/**
 * ClusterRoles (rbac.authorization.k8s.io/v1, cluster-scoped): rules anywhere, or an
 * aggregationRule whose selected roles' rules the aggregation controller gathers; validated as
 * ValidateClusterRole, and written only by a user who holds their rules or may `escalate`.
 */
import { invalidObject } from '../../api/status-error.js';
import { confirmRoleWrite } from '../../auth/rbac/escalation.js';
import { rulesOf } from '../../auth/rbac/policy-rule.js';
import { strategyPolicyReader } from '../../auth/rbac/policy-reader.js';
import { validateRbacName, validateRoleRules } from '../../auth/rbac/validation.js';
import { metaOf } from '../../api/object-meta.js';
import { ClusterRole } from '../../patch/patch-meta.js';
import { ALL_VERBS, defineResource } from '../definition.js';

export const clusterRoles = defineResource({
  group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', resource: 'clusterroles', singular: 'clusterrole',
  verbs: ALL_VERBS, shortNames: [], categories: [], subresources: [],
  validateName: validateRbacName,

  validate(role, _current, context) {
    const errors = validateRoleRules(role, false);
    if (errors.length > 0) throw invalidObject(clusterRoles, role, errors);
    const aggregated = role['aggregationRule'] !== undefined && role['aggregationRule'] !== null;
    confirmRoleWrite(strategyPolicyReader(context), context.user, { resource: clusterRoles, namespace: '', name: metaOf(role).name ?? '', rules: rulesOf(role), aggregated });
    return [];
  },

  patchMeta: ClusterRole,
});
