/**
 * Who may use the kubelet endpoint, decided as the kubelet decides it: the caller (the user of
 * its client certificate, or of its bearer token: authentication.ts) is authorized by the API server through a SubjectAccessReview for the
 * node's `nodes/proxy` (or `nodes/stats`, `nodes/metrics`, `nodes/log` for those paths), with
 * the verb its HTTP method maps to; answers are cached as the kubelet's webhook authorizer
 * caches them (allowed for 5 minutes, denied for 30 seconds).
 */
import type { KubeClient } from '../kube-client/client.js';

/** A caller of the endpoint, as its certificate or the API server's TokenReview names it. */
export interface Caller {
  name: string;
  groups: readonly string[];
  uid?: string;
  extra?: Readonly<Record<string, readonly string[]>>;
}

/** What a request asks for, in the API's terms. */
export interface NodeRequestAttributes {
  verb: string;
  resource: 'nodes';
  subresource: string;
  name: string;
}

/** Decides whether a caller may make a request of the endpoint. */
export interface KubeletAuthorizer {
  /** @throws Error when the decision cannot be had (the API server unreachable): a 500 */
  allowed(caller: Caller, attributes: NodeRequestAttributes): Promise<boolean>;
}

const VERBS: Record<string, string> = { POST: 'create', GET: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

/** The kubelet's attributes of a request to node `node` (its request-attributes getter). */
export function requestAttributes(node: string, method: string, path: string): NodeRequestAttributes {
  const under = (prefix: string): boolean => path === prefix || path.startsWith(`${prefix}/`);
  const subresource = under('/stats') ? 'stats' : under('/metrics') ? 'metrics' : under('/logs') ? 'log' : 'proxy';
  return { verb: VERBS[method] ?? '', resource: 'nodes', subresource, name: node };
}

const ALLOWED_TTL_MS = 5 * 60_000;
const DENIED_TTL_MS = 30_000;
const CACHE_SIZE = 1024;

/**
 * The kubelet's webhook authorizer: SubjectAccessReviews created with the node's own credential.
 * The cache is a Map in insertion order, the oldest dropped past its size: the whole LRU this
 * needs, which a cache library would not make shorter.
 */
export class SubjectAccessReviewAuthorizer implements KubeletAuthorizer {
  readonly #cache = new Map<string, { allowed: boolean; until: number }>();
  readonly #pending = new Map<string, Promise<boolean>>();

  constructor(private readonly client: KubeClient, private readonly now: () => number = Date.now) {}

  async allowed(caller: Caller, attributes: NodeRequestAttributes): Promise<boolean> {
    const spec = {
      resourceAttributes: { verb: attributes.verb, group: '', version: 'v1', resource: attributes.resource, subresource: attributes.subresource, name: attributes.name },
      user: caller.name,
      groups: [...caller.groups],
      ...(caller.uid ? { uid: caller.uid } : {}),
      ...(caller.extra ? { extra: caller.extra } : {}),
    };
    const key = JSON.stringify(spec);
    const cached = this.#cache.get(key);
    if (cached && cached.until > this.now()) return cached.allowed;
    const pending = this.#pending.get(key) ?? this.#review(key, spec);
    this.#pending.set(key, pending);
    return pending;
  }

  async #review(key: string, spec: Record<string, unknown>): Promise<boolean> {
    try {
      const review = await this.client.create<{ status?: { allowed?: boolean } }>('/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec,
      });
      const allowed = review.status?.allowed === true;
      this.#cache.delete(key);
      this.#cache.set(key, { allowed, until: this.now() + (allowed ? ALLOWED_TTL_MS : DENIED_TTL_MS) });
      if (this.#cache.size > CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value!);
      return allowed;
    } finally {
      this.#pending.delete(key);
    }
  }
}
