/**
 * Escalation prevention, as kube-apiserver's RBAC storage does it: a user may create or update a
 * Role or ClusterRole only with rules they hold themselves (or with `escalate` on it), and a
 * RoleBinding or ClusterRoleBinding only to a role whose rules they hold (or with `bind` on it).
 * system:masters may do anything. The refusal lists the rules missing, broken down to one verb,
 * group, resource and name each and compacted again per group and resource, as upstream's
 * `ConfirmNoEscalation` lists them.
 */
import { forbidden, notFound, type Qualified } from '../../api/status-error.js';
import type { UserInfo } from '../user.js';
import { SYSTEM_MASTERS } from '../user.js';
import type { PolicyReader } from './policy-reader.js';
import type { PolicyRule } from './policy-rule.js';
import { rbacAllowsResource } from './rbac-authorizer.js';
import { roleReferenceRules, rulesFor } from './rule-resolver.js';
import { RBAC_GROUP, type RoleRef } from './subjects.js';

/** A role's write: the role's resource, namespace ('' for a ClusterRole), name and rules. */
export interface RoleWrite {
  resource: Qualified;
  namespace: string;
  name: string;
  rules: PolicyRule[];
  /** A ClusterRole with an aggregationRule: only a user holding every permission may write one. */
  aggregated?: boolean;
}

/**
 * Refuses a role's write whose rules `user` does not hold, unless `user` may `escalate` it.
 * @throws StatusError 403
 */
export function confirmRoleWrite(reader: PolicyReader, user: UserInfo, write: RoleWrite): void {
  if (user.groups.includes(SYSTEM_MASTERS)) return;
  const escalate = rbacAllowsResource(reader, user, write.namespace, { verb: 'escalate', group: RBAC_GROUP, resource: write.resource.resource, name: write.name });
  if (escalate.allowed) return;
  if (write.aggregated) {
    const held = rulesFor(reader, user, '');
    if (uncovered(held.rules, [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }]).length > 0) {
      throw forbidden(write.resource, write.name, 'must have cluster-admin privileges to use the aggregationRule');
    }
  }
  confirmNoEscalation(reader, user, write.resource, write.name, write.namespace, write.rules);
}

/** A binding's write: the binding's resource, namespace ('' for a ClusterRoleBinding), name and role. */
export interface BindingWrite {
  resource: Qualified;
  namespace: string;
  name: string;
  roleRef: RoleRef;
}

/**
 * Refuses a binding's write to a role whose rules `user` does not hold, unless `user` may `bind` it.
 * @throws StatusError 403
 */
export function confirmBindingWrite(reader: PolicyReader, user: UserInfo, write: BindingWrite): void {
  if (user.groups.includes(SYSTEM_MASTERS)) return;
  const resource = write.roleRef.kind === 'Role' ? 'roles' : 'clusterroles';
  const bind = rbacAllowsResource(reader, user, write.namespace, { verb: 'bind', group: write.roleRef.apiGroup, resource, name: write.roleRef.name });
  if (bind.allowed) return;
  const rules = roleReferenceRules(reader, write.roleRef, write.namespace);
  // The registry's NotFound names the binding's resource with the role's name.
  if (rules === undefined) throw notFound(write.resource, write.roleRef.name);
  confirmNoEscalation(reader, user, write.resource, write.name, write.namespace, rules);
}

function confirmNoEscalation(reader: PolicyReader, user: UserInfo, resource: Qualified, name: string, namespace: string, rules: PolicyRule[]): void {
  const held = rulesFor(reader, user, namespace);
  const missing = uncovered(held.rules, rules);
  if (missing.length === 0) return;
  const lines = [...new Set(compact(missing).map(compactString))].sort();
  let message = `user ${JSON.stringify(user.username)} (groups=${goStrings(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`;
  if (held.errors.length > 0) message += `; resolution errors: [${held.errors.join(' ')}]`;
  throw forbidden(resource, name, message);
}

/** The rules of `wanted`, one verb, group, resource and name each, that no rule `held` covers. */
export function uncovered(held: PolicyRule[], wanted: PolicyRule[]): PolicyRule[] {
  return wanted.flatMap(breakdown).filter((sub) => !held.some((owner) => covers(owner, sub)));
}

/** BreakdownRule: one rule per group, resource, verb and name, then per URL and verb. */
function breakdown(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs ?? []) {
        const names = rule.resourceNames ?? [];
        if (names.length > 0) for (const name of names) out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] });
        else out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) for (const verb of rule.verbs ?? []) out.push({ nonResourceURLs: [url], verbs: [verb] });
  return out;
}

function covers(owner: PolicyRule, sub: PolicyRule): boolean {
  const hasAll = (set: string[] | undefined, items: string[] | undefined): boolean => (items ?? []).every((i) => (set ?? []).includes(i));
  const verbs = (owner.verbs ?? []).includes('*') || hasAll(owner.verbs, sub.verbs);
  const groups = (owner.apiGroups ?? []).includes('*') || hasAll(owner.apiGroups, sub.apiGroups);
  const resources = resourcesCover(owner.resources ?? [], sub.resources ?? []);
  const urls = (sub.nonResourceURLs ?? []).every((path) => (owner.nonResourceURLs ?? []).some((o) => o === path || (o.endsWith('*') && path.startsWith(o.replace(/\*+$/, '')))));
  const subNames = sub.resourceNames ?? [];
  const ownerNames = owner.resourceNames ?? [];
  const names = subNames.length === 0 ? ownerNames.length === 0 : ownerNames.length === 0 || hasAll(ownerNames, subNames);
  return verbs && groups && resources && names && urls;
}

function resourcesCover(owner: string[], wanted: string[]): boolean {
  if (owner.includes('*')) return true;
  return wanted.every((path) => {
    if (owner.includes(path)) return true;
    const slash = path.indexOf('/');
    return slash >= 0 && owner.includes(`*/${path.slice(slash + 1)}`);
  });
}

/** CompactRules: the simple rules of one group, resource and (at most one) name merged, their verbs in order. */
function compact(rules: PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const rule of rules) {
    const isSimple = (rule.nonResourceURLs ?? []).length === 0 && (rule.apiGroups ?? []).length === 1 && (rule.resources ?? []).length === 1 && (rule.resourceNames ?? []).length <= 1;
    if (!isSimple) {
      out.push(rule);
      continue;
    }
    const key = JSON.stringify([rule.apiGroups![0], rule.resources![0], rule.resourceNames?.[0] ?? null]);
    const existing = simple.get(key);
    if (existing) existing.verbs = [...existing.verbs, ...rule.verbs];
    else simple.set(key, { ...rule, verbs: [...rule.verbs] });
  }
  return [...out, ...simple.values()];
}

/** CompactString: `{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}`. */
function compactString(rule: PolicyRule): string {
  const parts: string[] = [];
  if (rule.apiGroups?.length) parts.push(`APIGroups:${goStrings(rule.apiGroups)}`);
  if (rule.resources?.length) parts.push(`Resources:${goStrings(rule.resources)}`);
  if (rule.nonResourceURLs?.length) parts.push(`NonResourceURLs:${goStrings(rule.nonResourceURLs)}`);
  if (rule.resourceNames?.length) parts.push(`ResourceNames:${goStrings(rule.resourceNames)}`);
  if (rule.verbs?.length) parts.push(`Verbs:${goStrings(rule.verbs)}`);
  return `{${parts.join(', ')}}`;
}

/** fmt's %q of a []string: `["a" "b"]`. */
function goStrings(values: readonly string[]): string {
  return `[${values.map((v) => JSON.stringify(v)).join(' ')}]`;
}
