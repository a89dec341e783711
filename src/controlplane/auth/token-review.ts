/**
 * TokenReview (`authentication.k8s.io/v1`): "whose token is this?", answered by the API server's
 * own token authentication and never stored. Kubelets (and hostpod's node agent) ask it about the
 * bearer tokens their endpoint is called with (webhook authentication), metrics-server among them.
 */
import { isObject, type Obj } from '../api/object-meta.js';
import { badRequest } from '../api/status-error.js';
import { ISSUER } from './tokens.js';
import type { UserInfo } from './user.js';

/** The audiences the API server's tokens are for when a review names none (kube-apiserver's --api-audiences, its issuer by default). */
export const API_AUDIENCES: readonly string[] = [ISSUER];

/** Who a bearer token is: the API server's token authentication, or undefined. */
export type TokenAuthenticate = (token: string) => UserInfo | undefined;

/**
 * The review `body` asks for, with its `status` filled in: authenticated with the token's user
 * and audiences, or not, with an error (as kube-apiserver, an unauthenticated answer is a 201 too).
 * @throws StatusError 400 for a body that is not a TokenReview, or one without a token
 */
export function reviewToken(body: unknown, authenticate: TokenAuthenticate): Obj {
  if (!isObject(body)) throw badRequest('TokenReview must be a JSON object');
  for (const [field, expected] of [['apiVersion', 'authentication.k8s.io/v1'], ['kind', 'TokenReview']] as const) {
    if (body[field] !== undefined && body[field] !== expected) {
      throw badRequest(`the ${field === 'kind' ? 'kind' : 'API version'} in the data (${JSON.stringify(body[field])}) does not match the expected ${field === 'kind' ? 'kind' : 'API version'} (${expected})`);
    }
  }
  const spec = isObject(body['spec']) ? body['spec'] : {};
  const token = typeof spec['token'] === 'string' ? spec['token'] : '';
  if (token === '') throw badRequest('token is required for TokenReview in authentication');
  const requested = Array.isArray(spec['audiences']) ? spec['audiences'].filter((a): a is string => typeof a === 'string') : [];
  // hostpod's tokens are all for the API server's own audience (tokens.ts checks it): a review
  // for other audiences only gets them if it names that one too.
  const audiences = requested.length === 0 ? [...API_AUDIENCES] : requested.filter((a) => API_AUDIENCES.includes(a));
  const user = audiences.length > 0 ? authenticate(token) : undefined;
  const answer = (status: Obj): Obj => ({ kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, spec, status });
  if (!user) {
    const why = audiences.length === 0 ? `token audiences ${JSON.stringify(API_AUDIENCES)} is invalid for the target audiences ${JSON.stringify(requested)}` : 'invalid bearer token';
    return answer({ user: {}, error: why });
  }
  return answer({
    authenticated: true,
    user: {
      username: user.username,
      ...(user.uid ? { uid: user.uid } : {}),
      groups: [...user.groups],
      ...(user.extra && Object.keys(user.extra).length > 0 ? { extra: user.extra } : {}),
    },
    audiences,
  });
}
