/**
 * Which node a user is, as kube-apiserver's node identifier reads it: a user named
 * `system:node:NAME` in the `system:nodes` group is the node NAME.
 */
import type { UserInfo } from './user.js';

export const NODES_GROUP = 'system:nodes';
export const NODE_USER_PREFIX = 'system:node:';

/**
 * The node `user` is: its name, '' for a node whose name is empty (refused by everything that
 * asks), or undefined for a user that is not a node.
 */
export function nodeIdentity(user: Pick<UserInfo, 'username' | 'groups'>): string | undefined {
  if (!user.username.startsWith(NODE_USER_PREFIX) || !user.groups.includes(NODES_GROUP)) return undefined;
  return user.username.slice(NODE_USER_PREFIX.length);
}
