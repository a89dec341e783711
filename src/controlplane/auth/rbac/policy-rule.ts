/**
 * RBAC's policy rules and how a request matches one, as kube-apiserver's RBAC authorizer
 * matches them (`RuleAllows`): a verb, an API group, a resource (a rule's `*` then `/SUBRESOURCE`
 * names a subresource of any resource) and resource names, or a non-resource URL (a trailing `*` is a
 * prefix).
 */

/** rbac.authorization.k8s.io/v1 PolicyRule. */
export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** What a resource request asks for, as RBAC reads it. */
export interface ResourceRequest {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  name?: string;
}

/** What a non-resource request asks for: a path and a verb (the HTTP method, lower case). */
export interface PathRequest {
  verb: string;
  path: string;
}

const ALL = '*';

/** Whether `rule` allows the resource request. */
export function ruleAllowsResource(rule: PolicyRule, request: ResourceRequest): boolean {
  return verbMatches(rule, request.verb) && apiGroupMatches(rule, request.group)
    && resourceMatches(rule, request.resource, request.subresource) && resourceNameMatches(rule, request.name);
}

/** Whether `rule` allows the non-resource request. */
export function ruleAllowsPath(rule: PolicyRule, request: PathRequest): boolean {
  return verbMatches(rule, request.verb) && (rule.nonResourceURLs ?? []).some((url) => urlMatches(url, request.path));
}

function verbMatches(rule: PolicyRule, verb: string): boolean {
  return (rule.verbs ?? []).some((v) => v === ALL || v === verb);
}

function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return (rule.apiGroups ?? []).some((g) => g === ALL || g === group);
}

function resourceMatches(rule: PolicyRule, resource: string, subresource: string | undefined): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  return (rule.resources ?? []).some((r) => r === ALL || r === combined || (subresource !== undefined && subresource !== '' && r === `*/${subresource}`));
}

function resourceNameMatches(rule: PolicyRule, name: string | undefined): boolean {
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(name ?? '');
}

/** A rule's URL matches a path exactly, or as a prefix when it ends in `*`. */
export function urlMatches(ruleUrl: string, path: string): boolean {
  if (ruleUrl === ALL || ruleUrl === path) return true;
  return ruleUrl.endsWith(ALL) && path.startsWith(ruleUrl.slice(0, -1));
}

/** The rules of a role object (`rules`, null when unset), as PolicyRules. */
export function rulesOf(role: Record<string, unknown> | undefined): PolicyRule[] {
  const rules = role?.['rules'];
  return Array.isArray(rules) ? (rules as PolicyRule[]) : [];
}
