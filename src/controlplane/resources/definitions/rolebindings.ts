/**
 * RoleBindings (rbac.authorization.k8s.io/v1, namespaced): a Role's or ClusterRole's rules granted
 * to users, groups and service accounts in one namespace; validated as ValidateRoleBinding (the
 * roleRef immutable), and written only by a user who holds the role's rules or may `bind` it.
 */
import { invalidObject } from '../../api/status-error.js';
import { confirmBindingWrite } from '../../auth/rbac/escalation.js';
import { strategyPolicyReader } from '../../auth/rbac/policy-reader.js';
import { roleRefOf } from '../../auth/rbac/rule-resolver.js';
import { defaultBinding, validateBinding, validateRbacName } from '../../auth/rbac/validation.js';
import { metaOf } from '../../api/object-meta.js';
import { RoleBinding } from '../../patch/patch-meta.js';
import { roleBindingPrinter } from '../../tables/rolebindings.js';
import { ALL_VERBS, defineResource } from '../definition.js';

export const roleBindings = defineResource({
  group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding', resource: 'rolebindings', singular: 'rolebinding',
  verbs: ALL_VERBS, shortNames: [], categories: [], subresources: [],
  validateName: validateRbacName,
  defaults: defaultBinding,

  validate(binding, current, context) {
    const errors = validateBinding(binding, true, current);
    if (errors.length > 0) throw invalidObject(roleBindings, binding, errors);
    confirmBindingWrite(strategyPolicyReader(context), context.user, { resource: roleBindings, namespace: metaOf(binding).namespace ?? '', name: metaOf(binding).name ?? '', roleRef: roleRefOf(binding) });
    return [];
  },

  patchMeta: RoleBinding,
  printer: roleBindingPrinter,
});
