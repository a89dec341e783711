/**
 * Bearer tokens at the kubelet endpoint, checked as the kubelet's webhook authenticator checks
 * them: a TokenReview (`authentication.k8s.io/v1`) created with the node's own credential, the
 * API server's answer cached for the kubelet's `authentication.webhook.cacheTTL` (2 minutes by
 * default, for an authenticated answer and an unauthenticated one alike, as the apiserver
 * library's token cache keeps both for the one TTL); a review that fails is not cached.
 * metrics-server calls kubelets so, with its service account's token.
 */
import { createHash } from 'node:crypto';
import type { KubeClient } from '../kube-client/client.js';
import type { Caller } from './authorization.js';

/** Who a bearer token belongs to. */
export interface KubeletAuthenticator {
  /**
   * The caller a token names, or undefined when the API server does not authenticate it (a 401).
   * @throws Error when the answer cannot be had (the API server unreachable): a 401 too
   */
  authenticate(token: string): Promise<Caller | undefined>;
}

const CACHE_TTL_MS = 2 * 60_000;
const CACHE_SIZE = 1024;

interface TokenReviewStatus {
  authenticated?: boolean;
  user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  error?: string;
}

/**
 * The kubelet's webhook token authenticator. Tokens are kept in the cache by their SHA-256, not
 * as themselves (the apiserver's token cache hashes them too). The cache is a Map in insertion
 * order, the oldest dropped past its size, as authorization.ts's.
 */
export class TokenReviewAuthenticator implements KubeletAuthenticator {
  readonly #cache = new Map<string, { caller: Caller | undefined; until: number }>();
  readonly #pending = new Map<string, Promise<Caller | undefined>>();

  constructor(private readonly client: KubeClient, private readonly now: () => number = Date.now) {}

  async authenticate(token: string): Promise<Caller | undefined> {
    const key = createHash('sha256').update(token).digest('hex');
    const cached = this.#cache.get(key);
    if (cached && cached.until > this.now()) return cached.caller;
    const pending = this.#pending.get(key) ?? this.#review(key, token);
    this.#pending.set(key, pending);
    return pending;
  }

  async #review(key: string, token: string): Promise<Caller | undefined> {
    try {
      const review = await this.client.create<{ status?: TokenReviewStatus }>('/apis/authentication.k8s.io/v1/tokenreviews', {
        apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token },
      });
      const status = review.status ?? {};
      const user = status.user;
      const caller = status.authenticated === true && user?.username
        ? {
          name: user.username,
          // The kubelet's authenticator adds system:authenticated to every user it authenticates.
          groups: [...new Set([...(user.groups ?? []), 'system:authenticated'])],
          ...(user.uid ? { uid: user.uid } : {}),
          ...(user.extra && Object.keys(user.extra).length > 0 ? { extra: user.extra } : {}),
        }
        : undefined;
      this.#cache.delete(key);
      this.#cache.set(key, { caller, until: this.now() + CACHE_TTL_MS });
      if (this.#cache.size > CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value!);
      return caller;
    } finally {
      this.#pending.delete(key);
    }
  }
}

/** The token of an `Authorization: Bearer TOKEN` header, as the apiserver's bearer-token reader takes it. */
export function bearerToken(authorization: string | undefined): string | undefined {
  // The header trimmed and split at single spaces: "Bearer" (any case), then a non-empty token.
  const [scheme, token] = (authorization ?? '').trim().split(' ', 3);
  return scheme?.toLowerCase() === 'bearer' && token ? token : undefined;
}
