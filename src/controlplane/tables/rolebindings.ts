// RoleBindings and ClusterRoleBindings: NAME ROLE AGE, and with -o wide USERS GROUPS
// SERVICEACCOUNTS, as printRoleBinding and printClusterRoleBinding (a service account as
// NAMESPACE/NAME, or its name alone when the subject names no namespace).
import type { JsonObject, PrintedRow, ResourcePrinter } from './shared.js';
import { AGE_COLUMN, NAME_COLUMN, ageOf, column, list, nameOf, record, text } from './shared.js';

function bindingPrinter(binding: 'roleBinding' | 'clusterRoleBinding', roleRef: string): ResourcePrinter {
  return {
    columns: [
      NAME_COLUMN, column('Role', 'string', roleRef), AGE_COLUMN,
      column('Users', 'string', `Users in the ${binding}`, 1),
      column('Groups', 'string', `Groups in the ${binding}`, 1),
      column('ServiceAccounts', 'string', `ServiceAccounts in the ${binding}`, 1),
    ],
    row(object: JsonObject, now: Date): PrintedRow {
      const ref = record(object['roleRef']);
      const users: string[] = [];
      const groups: string[] = [];
      const accounts: string[] = [];
      for (const subject of list(object['subjects']).map(record)) {
        const name = text(subject['name']);
        if (subject['kind'] === 'User') users.push(name);
        else if (subject['kind'] === 'Group') groups.push(name);
        else if (subject['kind'] === 'ServiceAccount') accounts.push(text(subject['namespace']) === '' ? name : `${text(subject['namespace'])}/${name}`);
      }
      return { cells: [nameOf(object), `${text(ref['kind'])}/${text(ref['name'])}`, ageOf(object, now), users.join(', '), groups.join(', '), accounts.join(', ')] };
    },
  };
}

/** The rolebindings table. */
export const roleBindingPrinter = bindingPrinter('roleBinding',
  'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.');

/** The clusterrolebindings table. */
export const clusterRoleBindingPrinter = bindingPrinter('clusterRoleBinding',
  'RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.');
