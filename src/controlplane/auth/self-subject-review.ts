/**
 * SelfSubjectReview (`authentication.k8s.io/v1`): who the request's user is, as the authenticator
 * found it (`kubectl auth whoami`). Any authenticated user may ask; never stored.
 */
import { isObject, timestamp, type Obj } from '../api/object-meta.js';
import { badRequest } from '../api/status-error.js';
import type { UserInfo } from './user.js';

/**
 * The answer to a SelfSubjectReview `body` from `user`.
 * @throws StatusError 400 for a body of another kind or API version
 */
export function reviewSelf(body: unknown, user: UserInfo, now: Date): Obj {
  if (!isObject(body)) throw badRequest('SelfSubjectReview must be a JSON object');
  for (const [field, expected] of [['apiVersion', 'authentication.k8s.io/v1'], ['kind', 'SelfSubjectReview']] as const) {
    if (body[field] !== undefined && body[field] !== expected) {
      throw badRequest(`the ${field === 'kind' ? 'kind' : 'API version'} in the data (${JSON.stringify(body[field])}) does not match the expected ${field === 'kind' ? 'kind' : 'API version'} (${expected})`);
    }
  }
  return {
    kind: 'SelfSubjectReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: timestamp(now) },
    status: {
      userInfo: {
        username: user.username,
        ...(user.uid ? { uid: user.uid } : {}),
        groups: [...user.groups],
        ...(user.extra && Object.keys(user.extra).length > 0 ? { extra: user.extra } : {}),
      },
    },
  };
}
