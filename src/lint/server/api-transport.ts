/**
 * How the server check talks to an API server: one request, one answer, whatever its status.
 * The command line supplies it (a KubeClient of the node layer, which lint may not import), so
 * that the check itself is a library that a test can hand any transport.
 */

/** An answer of the API server. */
export interface ApiAnswer {
  status: number;
  /** The decoded JSON body (a `Status` for errors), or its text when it is not JSON. */
  body: unknown;
  /** The texts of its `Warning` headers, in order. */
  warnings: string[];
}

export interface ApiRequest {
  query?: Record<string, string>;
  body?: unknown;
  contentType?: string;
}

export interface ApiTransport {
  /**
   * Sends one request. Resolves with any answer the server gives, errors included.
   * @throws when there is no answer; the transport's error names the server and the fix
   */
  exchange(method: string, path: string, request?: ApiRequest): Promise<ApiAnswer>;
}

/** The `Status` an API server answers errors with, as far as the check reads it. */
export interface ApiStatus {
  kind?: string;
  reason?: string;
  message?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string; causes?: { field?: string; reason?: string; message?: string }[] };
}

/** The answer's `Status`, when it is one. */
export function statusOf(answer: ApiAnswer): ApiStatus | undefined {
  const body = answer.body as ApiStatus | null;
  return typeof body === 'object' && body !== null && body.kind === 'Status' ? body : undefined;
}

/** The path of a resource's collection: `/apis/apps/v1/namespaces/ns/daemonsets`, `/api/v1/nodes`. */
export function collectionPath(group: string, version: string, resource: string, namespace?: string): string {
  const root = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  return `${root}${namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`}/${resource}`;
}
