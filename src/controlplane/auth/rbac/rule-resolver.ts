/**
 * Which rules apply to a user in a namespace, as RBAC's rule resolver visits them: the
 * ClusterRoleBindings first, in name order, then the RoleBindings of the namespace; for each
 * binding naming the user, its role's rules, with where they came from (for the reasons of an
 * allowed request) and the roles found missing (for the reasons of a refused one).
 */
import { metaOf, type Obj } from '../../api/object-meta.js';
import type { UserInfo } from '../user.js';
import type { PolicyReader } from './policy-reader.js';
import { rulesOf, type PolicyRule } from './policy-rule.js';
import { describeSubject, subjectNames, type RoleRef, type Subject } from './subjects.js';

/** A visit: the rule and its source's description; return false to stop. */
export type RuleVisitor = (source: string, rule: PolicyRule) => boolean;

/** The errors a resolution met: roles that bindings name and that do not exist. */
export type ResolutionErrors = string[];

/**
 * Visits every rule that applies to `user` in `namespace` ('' for the cluster scope) until the
 * visitor returns false.
 * @returns the resolution errors met on the way
 */
export function visitRulesFor(reader: PolicyReader, user: Pick<UserInfo, 'username' | 'groups'>, namespace: string, visit: RuleVisitor): ResolutionErrors {
  const errors: ResolutionErrors = [];
  for (const binding of reader.clusterRoleBindings()) {
    const subject = appliesTo(binding, user, '');
    if (!subject) continue;
    const ref = roleRefOf(binding);
    const role = ref.kind === 'ClusterRole' ? reader.clusterRole(ref.name) : undefined;
    if (!role) {
      errors.push(missing(ref, ''));
      continue;
    }
    const source = `ClusterRoleBinding ${JSON.stringify(metaOf(binding).name ?? '')} of ${ref.kind} ${JSON.stringify(ref.name)} to ${describeSubject(subject, '')}`;
    for (const rule of rulesOf(role)) if (!visit(source, rule)) return errors;
  }
  if (namespace === '') return errors;
  for (const binding of reader.roleBindings(namespace)) {
    const subject = appliesTo(binding, user, namespace);
    if (!subject) continue;
    const ref = roleRefOf(binding);
    const role = ref.kind === 'Role' ? reader.role(namespace, ref.name) : ref.kind === 'ClusterRole' ? reader.clusterRole(ref.name) : undefined;
    if (!role) {
      errors.push(missing(ref, namespace));
      continue;
    }
    const source = `RoleBinding ${JSON.stringify(`${metaOf(binding).name ?? ''}/${namespace}`)} of ${ref.kind} ${JSON.stringify(ref.name)} to ${describeSubject(subject, namespace)}`;
    for (const rule of rulesOf(role)) if (!visit(source, rule)) return errors;
  }
  return errors;
}

/** Every rule that applies to `user` in `namespace`, and the errors met. */
export function rulesFor(reader: PolicyReader, user: Pick<UserInfo, 'username' | 'groups'>, namespace: string): { rules: PolicyRule[]; errors: ResolutionErrors } {
  const rules: PolicyRule[] = [];
  const errors = visitRulesFor(reader, user, namespace, (_source, rule) => {
    rules.push(rule);
    return true;
  });
  return { rules, errors };
}

/** The rules a role reference names in `namespace`. @returns undefined when the role does not exist */
export function roleReferenceRules(reader: PolicyReader, ref: RoleRef, namespace: string): PolicyRule[] | undefined {
  const role = ref.kind === 'ClusterRole' ? reader.clusterRole(ref.name) : ref.kind === 'Role' ? reader.role(namespace, ref.name) : undefined;
  return role ? rulesOf(role) : undefined;
}

export function roleRefOf(binding: Obj): RoleRef {
  const ref = (binding['roleRef'] ?? {}) as Partial<RoleRef>;
  return { apiGroup: ref.apiGroup ?? '', kind: ref.kind ?? '', name: ref.name ?? '' };
}

export function subjectsOf(binding: Obj): Subject[] {
  return Array.isArray(binding['subjects']) ? (binding['subjects'] as Subject[]) : [];
}

/** The first of a binding's subjects that names the user. */
function appliesTo(binding: Obj, user: Pick<UserInfo, 'username' | 'groups'>, namespace: string): Subject | undefined {
  return subjectsOf(binding).find((subject) => subjectNames(subject, user, namespace));
}

/** The lister's NotFound, as the RBAC authorizer reports a binding's missing role. */
function missing(ref: RoleRef, namespace: string): string {
  const resource = ref.kind === 'Role' && namespace !== '' ? 'role' : 'clusterrole';
  return `${resource}.rbac.authorization.k8s.io ${JSON.stringify(ref.name)} not found`;
}
