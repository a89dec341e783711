/**
 * Roles (rbac.authorization.k8s.io/v1, namespaced): rules within one namespace, validated as
 * ValidateRole, and written only by a user who holds their rules or may `escalate` (RBAC's
 * escalation prevention).
 */
import { invalidObject } from '../../api/status-error.js';
import { confirmRoleWrite } from '../../auth/rbac/escalation.js';
import { rulesOf } from '../../auth/rbac/policy-rule.js';
import { strategyPolicyReader } from '../../auth/rbac/policy-reader.js';
import { validateRbacName, validateRoleRules } from '../../auth/rbac/validation.js';
import { metaOf } from '../../api/object-meta.js';
import { Role } from '../../patch/patch-meta.js';
import { ALL_VERBS, defineResource } from '../definition.js';

export const roles = defineResource({
  group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role', resource: 'roles', singular: 'role',
  verbs: ALL_VERBS, shortNames: [], categories: [], subresources: [],
  validateName: validateRbacName,

  validate(role, _current, context) {
    const errors = validateRoleRules(role, true);
    if (errors.length > 0) throw invalidObject(roles, role, errors);
    confirmRoleWrite(strategyPolicyReader(context), context.user, { resource: roles, namespace: metaOf(role).namespace ?? '', name: metaOf(role).name ?? '', rules: rulesOf(role) });
    return [];
  },

  patchMeta: Role,
});
