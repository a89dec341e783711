/**
 * ClusterRoleBindings (rbac.authorization.k8s.io/v1, cluster-scoped): a ClusterRole's rules
 * granted everywhere; validated as ValidateClusterRoleBinding (the roleRef immutable), and written
 * only by a user who holds the role's rules or may `bind` it.
 */
import { invalidObject } from '../../api/status-error.js';
import { confirmBindingWrite } from '../../auth/rbac/escalation.js';
import { strategyPolicyReader } from '../../auth/rbac/policy-reader.js';
import { roleRefOf } from '../../auth/rbac/rule-resolver.js';
import { defaultBinding, validateBinding, validateRbacName } from '../../auth/rbac/validation.js';
import { metaOf } from '../../api/object-meta.js';
import { ClusterRoleBinding } from '../../patch/patch-meta.js';
import { clusterRoleBindingPrinter } from '../../tables/rolebindings.js';
import { ALL_VERBS, defineResource } from '../definition.js';

export const clusterRoleBindings = defineResource({
  group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRoleBinding', resource: 'clusterrolebindings', singular: 'clusterrolebinding',
  verbs: ALL_VERBS, shortNames: [], categories: [], subresources: [],
  validateName: validateRbacName,
  defaults: defaultBinding,

  validate(binding, current, context) {
    const errors = validateBinding(binding, false, current);
    if (errors.length > 0) throw invalidObject(clusterRoleBindings, binding, errors);
    confirmBindingWrite(strategyPolicyReader(context), context.user, { resource: clusterRoleBindings, namespace: '', name: metaOf(binding).name ?? '', roleRef: roleRefOf(binding) });
    return [];
  },

  patchMeta: ClusterRoleBinding,
  printer: clusterRoleBindingPrinter,
});
