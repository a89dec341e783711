/**
 * Impersonation (`kubectl --as`, `--as-group`, `--as-uid`): a request's Impersonate-* headers
 * make it act as another user, as kube-apiserver's impersonation filter does. system:masters may
 * impersonate anyone; anyone else as far as RBAC grants legacy impersonation's `impersonate` verbs
 * (on users or serviceaccounts, groups, uids, userextras), and hostpod grants no constrained
 * impersonation. A refusal is kube-apiserver 1.36's message, which names the first constrained impersonation
 * mode (`impersonate-on:MODE:VERB` on the request itself) that fits whom they asked for, or
 * legacy impersonation's check when none fits.
 */
import { badRequest, StatusError } from '../api/status-error.js';
import type { ObjectApi } from '../api/object-api.js';
import { decide, denial, requestNamespace, type Attributes } from './authorizer.js';
import { apiPolicyReader } from './rbac/policy-reader.js';
import { rulesFor } from './rbac/rule-resolver.js';
import { NODE_USER_PREFIX, NODES_GROUP } from './node-identity.js';
import { SYSTEM_MASTERS, type UserInfo } from './user.js';

/** A non-resource request: its path and verb (get, post...). */
export interface PathRequest {
  path: string;
  verb: string;
}

interface Wanted {
  username: string;
  uid?: string;
  groups: string[];
  extra: Record<string, string[]>;
}

const EXTRA_PREFIX = 'impersonate-extra-';
const SERVICE_ACCOUNT = /^system:serviceaccount:([^:]+):([^:]+)$/;

/**
 * The user `requestor`'s request acts as: the requestor, or whom its Impersonate-* headers name.
 * @throws StatusError 400 for impersonation headers without Impersonate-User; 403 for a requestor
 *   who may not impersonate
 */
export function actingUser(requestor: UserInfo, headers: NodeJS.Dict<string[]>, request: Attributes | PathRequest, api?: Pick<ObjectApi, 'list' | 'store'>): UserInfo {
  const wanted = wantedUser(headers);
  if (!wanted) return requestor;
  if (requestor.groups.includes(SYSTEM_MASTERS)) return impersonated(wanted);
  const checks = legacyChecks(wanted);
  const failing = api ? checks.find((check) => !decide(requestor, check, api).allowed) : checks[0];
  if (failing) throw refusal(requestor, wanted, request, failing, api !== undefined && holdsImpersonation(requestor, request, api));
  return impersonated(wanted);
}

/**
 * Legacy impersonation's checks: `impersonate` on the user (a service account in its namespace),
 * on each group, on the uid and on each extra value (`userextras/KEY`), in that order.
 */
function legacyChecks(wanted: Wanted): Attributes[] {
  const account = SERVICE_ACCOUNT.exec(wanted.username);
  return [
    account
      ? { verb: 'impersonate', group: '', resource: 'serviceaccounts', namespace: account[1]!, name: account[2]!, namespaced: true }
      : { verb: 'impersonate', group: '', resource: 'users', namespace: '', name: wanted.username, namespaced: false },
    ...wanted.groups.map((group): Attributes => ({ verb: 'impersonate', group: '', resource: 'groups', namespace: '', name: group, namespaced: false })),
    ...(wanted.uid === undefined ? [] : [{ verb: 'impersonate', group: '', resource: 'uids', namespace: '', name: wanted.uid, namespaced: false }]),
    ...Object.entries(wanted.extra).flatMap(([key, values]) => values.map((value): Attributes => ({
      verb: 'impersonate', group: 'authentication.k8s.io', resource: 'userextras', subresource: key, namespace: '', name: value, namespaced: false,
    }))),
  ];
}

/** Whether RBAC gives `requestor` any legacy `impersonate` rule where the request is: its refusals are then legacy impersonation's. */
function holdsImpersonation(requestor: UserInfo, request: Attributes | PathRequest, api: Pick<ObjectApi, 'list' | 'store'>): boolean {
  const namespace = 'path' in request ? '' : requestNamespace(request);
  return rulesFor(apiPolicyReader(api), requestor, namespace).rules.some((rule) => (rule.verbs ?? []).includes('impersonate'));
}

/** Whom the headers ask for (`headersDistinct`: kubectl sends one Impersonate-Group per group). */
function wantedUser(headers: NodeJS.Dict<string[]>): Wanted | undefined {
  const username = headers['impersonate-user']?.[0] ?? '';
  const uid = headers['impersonate-uid']?.[0] ?? '';
  const groups = headers['impersonate-group'] ?? [];
  const extra: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(headers)) {
    if (name.startsWith(EXTRA_PREFIX) && values) extra[decodeURIComponent(name.slice(EXTRA_PREFIX.length))] = values;
  }
  if (username === '') {
    if (uid !== '' || groups.length > 0 || Object.keys(extra).length > 0) {
      throw badRequest(`requested impersonation of ${JSON.stringify({ uid, groups, extra })} without impersonating a user name`);
    }
    return undefined;
  }
  return { username, ...(uid === '' ? {} : { uid }), groups, extra };
}

/** The user impersonation makes, as the first mode that fits it makes it. */
function impersonated(wanted: Wanted): UserInfo {
  const onlyName = wanted.uid === undefined && wanted.groups.length === 0 && Object.keys(wanted.extra).length === 0;
  const account = SERVICE_ACCOUNT.exec(wanted.username);
  let groups = wanted.groups;
  // arbitrary-node: a node's fixed groups; serviceaccount (and legacy without groups): the account's.
  if (onlyName && wanted.username.startsWith(NODE_USER_PREFIX)) groups = [NODES_GROUP];
  else if (account && groups.length === 0) groups = ['system:serviceaccounts', `system:serviceaccounts:${account[1]}`];
  const authenticated = wanted.username === 'system:anonymous' ? 'system:unauthenticated' : groups.includes('system:unauthenticated') ? undefined : 'system:authenticated';
  return {
    username: wanted.username,
    ...(wanted.uid === undefined ? {} : { uid: wanted.uid }),
    groups: authenticated === undefined || groups.includes(authenticated) ? groups : [...groups, authenticated],
    ...(Object.keys(wanted.extra).length > 0 ? { extra: wanted.extra } : {}),
    ...(account ? { serviceAccount: { namespace: account[1]!, name: account[2]!, uid: wanted.uid ?? '' } } : {}),
  };
}

/**
 * kube-apiserver's refusal of an impersonation: the first constrained mode that fits whom was
 * asked for, or legacy impersonation's first failing check when none fits or when the requestor
 * holds legacy impersonation rules.
 */
function refusal(requestor: UserInfo, wanted: Wanted, request: Attributes | PathRequest, failing: Attributes, legacy: boolean): StatusError {
  const onlyName = wanted.uid === undefined && wanted.groups.length === 0 && Object.keys(wanted.extra).length === 0;
  const node = wanted.username.startsWith(NODE_USER_PREFIX);
  const account = SERVICE_ACCOUNT.exec(wanted.username);
  const mode = node ? (onlyName ? 'arbitrary-node' : undefined) : account ? (onlyName ? 'serviceaccount' : undefined) : 'user-info';
  if (mode !== undefined && !legacy) {
    const verb = `impersonate-on:${mode}:${request.verb}`;
    if ('path' in request) return new StatusError(403, 'Forbidden', `forbidden: User "${requestor.username}" cannot ${verb} path "${request.path}"`);
    const subject = request.name ? `${qualified(request)} "${request.name}"` : qualified(request);
    return new StatusError(403, 'Forbidden', `${subject} is forbidden: ${denial(requestor, { ...request, verb })}`, {
      ...(request.name ? { name: request.name } : {}), ...(request.group === '' ? {} : { group: request.group }), kind: request.resource,
    });
  }
  return new StatusError(403, 'Forbidden', `${qualified(failing)} "${failing.name}" is forbidden: ${denial(requestor, failing)}`, {
    name: failing.name!, ...(failing.group === '' ? {} : { group: failing.group }), kind: failing.resource,
  });
}

function qualified(a: Attributes): string {
  return a.group === '' ? a.resource : `${a.resource}.${a.group}`;
}
