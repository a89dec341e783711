/**
 * RBAC subjects and role references, and whom a binding's subject names: a user by name, a group
 * the user is in, or a service account by its user name (`system:serviceaccount:NS:NAME`), its
 * namespace the binding's when the subject leaves it out, as `appliesToUser` reads them.
 */
import type { UserInfo } from '../user.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** rbac.authorization.k8s.io/v1 Subject. */
export interface Subject {
  kind: string;
  apiGroup?: string;
  name: string;
  namespace?: string;
}

/** rbac.authorization.k8s.io/v1 RoleRef. */
export interface RoleRef {
  apiGroup: string;
  kind: string;
  name: string;
}

/** Whether `subject` of a binding in `bindingNamespace` ('' for a ClusterRoleBinding) names `user`. */
export function subjectNames(subject: Subject, user: Pick<UserInfo, 'username' | 'groups'>, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.username === subject.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const namespace = subject.namespace || bindingNamespace;
      return namespace !== '' && user.username === `system:serviceaccount:${namespace}:${subject.name}`;
    }
    default:
      return false;
  }
}

/** A subject as RBAC's reasons name it: `ServiceAccount "NAME/NS"`, `User "NAME"`. */
export function describeSubject(subject: Subject, bindingNamespace: string): string {
  if (subject.kind === 'ServiceAccount') return `${subject.kind} ${JSON.stringify(`${subject.name}/${subject.namespace || bindingNamespace}`)}`;
  return `${subject.kind} ${JSON.stringify(subject.name)}`;
}
