/**
 * Validation and defaults of RBAC's objects, as kube-apiserver's ValidateRole,
 * ValidateClusterRole (with its aggregationRule), ValidateRoleBinding and
 * ValidateClusterRoleBinding, and their Update forms (a binding's roleRef cannot change), with
 * the v1 defaults (a roleRef's and a User's or Group's apiGroup) applied first.
 */
import type { JsonObject } from '../../../api/defaults/json.js';
import { FieldPath, GoJsonValue, invalid, notSupported, required, type FieldError } from '../../../policy/field.js';
import type { Obj } from '../../api/object-meta.js';
import type { PolicyRule } from './policy-rule.js';
import { RBAC_GROUP, type Subject } from './subjects.js';

/** A role's or binding's name: any path segment (`system:node`), as ValidateRBACName. */
export function validateRbacName(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  return ['/', '%'].filter((c) => name.includes(c)).map((c) => `may not contain '${c}'`);
}

/** SetDefaults_RoleBinding, SetDefaults_ClusterRoleBinding and SetDefaults_Subject. */
export function defaultBinding(binding: JsonObject): void {
  const ref = binding['roleRef'];
  if (ref !== null && typeof ref === 'object' && !Array.isArray(ref) && !(ref as JsonObject)['apiGroup']) (ref as JsonObject)['apiGroup'] = RBAC_GROUP;
  if (ref === undefined) binding['roleRef'] = { apiGroup: RBAC_GROUP, kind: '', name: '' };
  const subjects = binding['subjects'];
  if (!Array.isArray(subjects)) return;
  for (const subject of subjects as JsonObject[]) {
    if (subject === null || typeof subject !== 'object' || subject['apiGroup']) continue;
    if (subject['kind'] === 'User' || subject['kind'] === 'Group') subject['apiGroup'] = RBAC_GROUP;
  }
}

/** The errors of a Role's (`namespaced`) or ClusterRole's rules and aggregation rule. */
export function validateRoleRules(role: Obj, namespaced: boolean): FieldError[] {
  const errors: FieldError[] = [];
  const rules = Array.isArray(role['rules']) ? (role['rules'] as PolicyRule[]) : [];
  rules.forEach((rule, i) => errors.push(...validatePolicyRule(rule ?? {}, namespaced, FieldPath.root('rules').index(i))));
  const aggregation = role['aggregationRule'] as { clusterRoleSelectors?: unknown[] } | null | undefined;
  if (!namespaced && aggregation !== undefined && aggregation !== null) {
    const selectors = FieldPath.of(['aggregationRule', 'clusterRoleSelectors']);
    if ((aggregation.clusterRoleSelectors ?? []).length === 0) {
      errors.push(required(selectors, 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    }
  }
  return errors;
}

function validatePolicyRule(rule: PolicyRule, namespaced: boolean, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  if ((rule.verbs ?? []).length === 0) errors.push(required(path.child('verbs'), 'verbs must contain at least one value'));
  const urls = rule.nonResourceURLs ?? [];
  if (urls.length > 0) {
    if (namespaced) errors.push(invalid(path.child('nonResourceURLs'), urls, 'namespaced rules cannot apply to non-resource URLs'));
    if ((rule.apiGroups ?? []).length > 0 || (rule.resources ?? []).length > 0 || (rule.resourceNames ?? []).length > 0) {
      errors.push(invalid(path.child('nonResourceURLs'), urls, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errors;
  }
  if ((rule.apiGroups ?? []).length === 0) errors.push(required(path.child('apiGroups'), 'resource rules must supply at least one api group'));
  if ((rule.resources ?? []).length === 0) errors.push(required(path.child('resources'), 'resource rules must supply at least one resource'));
  return errors;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SUBDOMAIN_MESSAGE = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/** The errors of a RoleBinding's (`namespaced`) or ClusterRoleBinding's roleRef and subjects. */
export function validateBinding(binding: Obj, namespaced: boolean, current: Obj | undefined): FieldError[] {
  const errors: FieldError[] = [];
  const ref = (binding['roleRef'] ?? {}) as { apiGroup?: string; kind?: string; name?: string };
  if ((ref.apiGroup ?? '') !== RBAC_GROUP) errors.push(notSupported(FieldPath.of(['roleRef', 'apiGroup']), ref.apiGroup ?? '', [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(ref.kind ?? '')) errors.push(notSupported(FieldPath.of(['roleRef', 'kind']), ref.kind ?? '', kinds));
  if (!ref.name) errors.push(required(FieldPath.of(['roleRef', 'name'])));
  else for (const message of validateRbacName(ref.name)) errors.push(invalid(FieldPath.of(['roleRef', 'name']), ref.name, message));
  const subjects = Array.isArray(binding['subjects']) ? (binding['subjects'] as Subject[]) : [];
  subjects.forEach((subject, i) => errors.push(...validateSubject(subject ?? {}, namespaced, FieldPath.root('subjects').index(i))));
  if (current) {
    const before = (current['roleRef'] ?? {}) as typeof ref;
    if (before.apiGroup !== ref.apiGroup || before.kind !== ref.kind || before.name !== ref.name) {
      // The Go struct, its fields in its order, as the message shows it.
      errors.push(invalid(FieldPath.root('roleRef'), new GoJsonValue({ APIGroup: ref.apiGroup ?? '', Kind: ref.kind ?? '', Name: ref.name ?? '' }), 'cannot change roleRef'));
    }
  }
  return errors;
}

function validateSubject(subject: Partial<Subject>, namespaced: boolean, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  const name = subject.name ?? '';
  if (name === '') errors.push(required(path.child('name')));
  switch (subject.kind) {
    case 'ServiceAccount':
      if (name !== '' && (name.length > 253 || !DNS_SUBDOMAIN.test(name))) {
        errors.push(invalid(path.child('name'), name, name.length > 253 ? 'must be no more than 253 characters' : SUBDOMAIN_MESSAGE));
      }
      if (subject.apiGroup) errors.push(notSupported(path.child('apiGroup'), subject.apiGroup, ['']));
      if (!namespaced && !subject.namespace) errors.push(required(path.child('namespace')));
      break;
    case 'User':
    case 'Group':
      if ((subject.apiGroup ?? '') !== RBAC_GROUP) errors.push(notSupported(path.child('apiGroup'), subject.apiGroup ?? '', [RBAC_GROUP]));
      break;
    default:
      errors.push(notSupported(path.child('kind'), subject.kind ?? '', ['ServiceAccount', 'User', 'Group']));
  }
  return errors;
}
