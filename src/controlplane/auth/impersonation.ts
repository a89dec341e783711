/**
 * Impersonation (`kubectl --as`, `--as-group`, `--as-uid`): a request's Impersonate-* headers
 * make it act as another user, as kube-apiserver's impersonation filter does. hostpod has no
 * RBAC to grant the `impersonate` verbs, so only system:masters may impersonate; anyone else
 * is refused with kube-apiserver 1.36's message, which names the first constrained impersonation
 * mode (`impersonate-on:MODE:VERB` on the request itself) that fits whom they asked for, or
 * legacy impersonation's check when none fits.
 */
import { badRequest, StatusError } from '../api/status-error.js';
import { denial, type Attributes } from './authorizer.js';
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
export function actingUser(requestor: UserInfo, headers: NodeJS.Dict<string[]>, request: Attributes | PathRequest): UserInfo {
  const wanted = wantedUser(headers);
  if (!wanted) return requestor;
  if (!requestor.groups.includes(SYSTEM_MASTERS)) throw refusal(requestor, wanted, request);
  return impersonated(wanted);
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

/** kube-apiserver's refusal of an impersonation: the first constrained mode that fits, else legacy's check of the user. */
function refusal(requestor: UserInfo, wanted: Wanted, request: Attributes | PathRequest): StatusError {
  const onlyName = wanted.uid === undefined && wanted.groups.length === 0 && Object.keys(wanted.extra).length === 0;
  const node = wanted.username.startsWith(NODE_USER_PREFIX);
  const account = SERVICE_ACCOUNT.exec(wanted.username);
  const mode = node ? (onlyName ? 'arbitrary-node' : undefined) : account ? (onlyName ? 'serviceaccount' : undefined) : 'user-info';
  if (mode !== undefined) {
    const verb = `impersonate-on:${mode}:${request.verb}`;
    if ('path' in request) return new StatusError(403, 'Forbidden', `forbidden: User "${requestor.username}" cannot ${verb} path "${request.path}"`);
    const subject = request.name ? `${qualified(request)} "${request.name}"` : qualified(request);
    return new StatusError(403, 'Forbidden', `${subject} is forbidden: ${denial(requestor, { ...request, verb })}`, {
      ...(request.name ? { name: request.name } : {}), ...(request.group === '' ? {} : { group: request.group }), kind: request.resource,
    });
  }
  // Legacy impersonation checks `impersonate` on the user first: a service account's in its namespace.
  const target: Attributes = account
    ? { verb: 'impersonate', group: '', resource: 'serviceaccounts', namespace: account[1]!, name: account[2]!, namespaced: true }
    : { verb: 'impersonate', group: '', resource: 'users', namespace: '', name: wanted.username, namespaced: false };
  return new StatusError(403, 'Forbidden', `${target.resource} "${target.name}" is forbidden: ${denial(requestor, target)}`, { name: target.name!, kind: target.resource });
}

function qualified(a: Attributes): string {
  return a.group === '' ? a.resource : `${a.resource}.${a.group}`;
}
