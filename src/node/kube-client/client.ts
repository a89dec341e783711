/**
 * A small Kubernetes REST client for the node agent: JSON requests, patches and watches over
 * kept-alive HTTPS connections (a few that the requests share, one per watch), authenticated by a
 * kubeconfig or in-cluster connection.
 *
 * Written by hand rather than taken from @kubernetes/client-node: its KubeConfig alone loads every
 * generated model (about 70 MiB resident), which the agent cannot carry next to the control plane
 * in `hostpod up` (150 MiB for both). The agent needs only these few calls; the API types still
 * come from client-node, as types.
 */
import type { IncomingMessage } from 'node:http';
import { Agent, request } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { ClusterConnection } from './kubeconfig.js';
import { warningTexts } from './warning-header.js';

/** An error answered by the API server, with its `Status`. */
export class ApiError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string) {
    super(message);
  }
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T> {
  type: WatchEventType;
  object: T;
}

export interface RequestOptions {
  body?: unknown;
  contentType?: string;
  query?: Record<string, string | number | boolean | undefined>;
}

/** An answer of the API server, whatever its status. */
export interface ApiAnswer {
  status: number;
  /** The decoded JSON body (a `Status` for most errors), or its text when it is not JSON. */
  body: unknown;
  /** The texts of its `Warning` headers, in order. */
  warnings: string[];
}

/**
 * The connections the agent's requests (not its watches) share at most: beyond a few, a burst
 * (110 pods' events, status patches and tokens at once) opened one connection per request in
 * flight, each with its TLS handshake on the API server, 90 of them, only to wait in the server's
 * queue. client-go sends everything over one HTTP/2 connection; Node's https is HTTP/1.1, so a
 * few kept-alive connections carry the requests in turn. Watches, which hold their connection
 * for minutes, have connections of their own and never wait for these.
 */
export const REQUEST_CONNECTIONS = 8;

function agentFor(connection: ClusterConnection, maxSockets = Infinity): Agent {
  return new Agent({
    keepAlive: true,
    maxSockets,
    // One TLS context (the CA, the client certificate and its key, parsed once) for all the
    // agent's connections: given only ca, cert and key, Node parses them again for each new
    // connection, and a burst of requests opens many (a tenth of the agent's thread while 110
    // pods started).
    secureContext: createSecureContext({
      ...(connection.ca ? { ca: connection.ca } : {}),
      ...(connection.clientCert ? { cert: connection.clientCert, key: connection.clientKey } : {}),
    }),
    rejectUnauthorized: !connection.insecureSkipTlsVerify,
  });
}

/** How long connections made with a replaced certificate may live on (a watch lasts at most 5 minutes). */
const OLD_AGENT_GRACE_MS = 6 * 60_000;

export class KubeClient {
  /** For requests: at most REQUEST_CONNECTIONS connections. */
  #agent: Agent;
  /** For watches: a connection each. */
  #watchAgent: Agent;
  #connection: ClusterConnection;

  constructor(connection: ClusterConnection, readonly userAgent = 'hostpod-agent') {
    this.#connection = connection;
    this.#agent = agentFor(connection, REQUEST_CONNECTIONS);
    this.#watchAgent = agentFor(connection);
  }

  get connection(): ClusterConnection {
    return this.#connection;
  }

  /**
   * Uses a new client certificate for every request from now on (a certificate rotation); requests
   * and watches already open finish on the old one.
   */
  useClientCertificate(cert: string, key: string): void {
    const old = [this.#agent, this.#watchAgent];
    this.#connection = { ...this.#connection, clientCert: cert, clientKey: key };
    this.#agent = agentFor(this.#connection, REQUEST_CONNECTIONS);
    this.#watchAgent = agentFor(this.#connection);
    setTimeout(() => old.forEach((agent) => agent.destroy()), OLD_AGENT_GRACE_MS).unref();
  }

  get<T>(path: string, query?: RequestOptions['query']): Promise<T> {
    return this.request<T>('GET', path, { ...(query ? { query } : {}) });
  }

  /** A GET whose 404 is an answer: undefined. */
  async find<T>(path: string): Promise<T | undefined> {
    try {
      return await this.get<T>(path);
    } catch (error) {
      if (error instanceof ApiError && error.code === 404) return undefined;
      throw error;
    }
  }

  create<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, { body });
  }

  /** A JSON merge patch (RFC 7386). */
  mergePatch<T>(path: string, patch: unknown): Promise<T> {
    return this.request<T>('PATCH', path, { body: patch, contentType: 'application/merge-patch+json' });
  }

  /** A strategic merge patch: lists of named items (conditions, containerStatuses) merge by key. */
  strategicPatch<T>(path: string, patch: unknown): Promise<T> {
    return this.request<T>('PATCH', path, { body: patch, contentType: 'application/strategic-merge-patch+json' });
  }

  delete<T>(path: string, options?: unknown): Promise<T> {
    return this.request<T>('DELETE', path, { ...(options === undefined ? {} : { body: options }) });
  }

  /** One request; resolves with the decoded JSON body. @throws ApiError for an answer >= 300 */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.#send(method, path, options);
    const text = await readText(response);
    if ((response.statusCode ?? 0) >= 300) throw apiError(response.statusCode ?? 0, text, method, path);
    return (text === '' ? {} : JSON.parse(text)) as T;
  }

  /**
   * One request whose answer is returned whatever its status, with its warnings: for callers
   * that judge the answer themselves (a dry run's verdict).
   * @throws the connection's error when there is no answer (refused, TLS, or `timeoutMs` passed)
   */
  async exchange(method: string, path: string, options: RequestOptions & { timeoutMs?: number } = {}): Promise<ApiAnswer> {
    const signal = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs);
    const response = await this.#send(method, path, options, signal);
    const text = await readText(response);
    const warnings: string[] = [];
    // rawHeaders, not headers: Node joins repeated Warning headers with ", ", which a text may hold.
    for (let i = 0; i < response.rawHeaders.length; i += 2) {
      if (response.rawHeaders[i]?.toLowerCase() === 'warning') warnings.push(response.rawHeaders[i + 1] ?? '');
    }
    let body: unknown = text;
    try {
      body = text === '' ? {} : JSON.parse(text);
    } catch {
      // not JSON: the text is the answer
    }
    return { status: response.statusCode ?? 0, body, warnings: warningTexts(warnings) };
  }

  /**
   * Watches `path` from `resourceVersion`, calling `onEvent` for each event, until the server
   * ends the watch, `signal` aborts, or an ERROR event arrives (returned, e.g. 410 Expired).
   */
  async watch<T>(path: string, query: RequestOptions['query'], onEvent: (event: WatchEvent<T>) => void, signal?: AbortSignal): Promise<WatchEvent<T> | undefined> {
    const response = await this.#send('GET', path, { query: { ...query, watch: true, allowWatchBookmarks: true } }, signal, this.#watchAgent);
    if ((response.statusCode ?? 0) >= 300) throw apiError(response.statusCode ?? 0, await readText(response), 'WATCH', path);
    response.setEncoding('utf8');
    let pending = '';
    try {
      for await (const chunk of response) {
        pending += chunk as string;
        for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
          const line = pending.slice(0, end).trim();
          pending = pending.slice(end + 1);
          if (line === '') continue;
          const event = JSON.parse(line) as WatchEvent<T>;
          if (event.type === 'ERROR') return event;
          onEvent(event);
        }
      }
    } catch (error) {
      if (!signal?.aborted) throw error;
    }
    return undefined;
  }

  close(): void {
    this.#agent.destroy();
    this.#watchAgent.destroy();
  }

  #send(method: string, path: string, options: RequestOptions, signal?: AbortSignal, agent = this.#agent): Promise<IncomingMessage> {
    const url = new URL(path, `${this.#connection.server}/`);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const token = this.#connection.token?.();
    return new Promise((resolve, reject) => {
      const req = request(url, {
        method,
        agent,
        headers: {
          Accept: 'application/json',
          'User-Agent': this.userAgent,
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          ...(payload === undefined ? {} : { 'Content-Type': options.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(payload) }),
        },
        ...(signal ? { signal } : {}),
      }, resolve);
      req.on('error', reject);
      req.end(payload);
    });
  }
}

async function readText(response: IncomingMessage): Promise<string> {
  response.setEncoding('utf8');
  let text = '';
  for await (const chunk of response) text += chunk as string;
  return text;
}

function apiError(code: number, text: string, method: string, path: string): ApiError {
  try {
    const status = JSON.parse(text) as { kind?: string; reason?: string; message?: string };
    if (status.kind === 'Status') return new ApiError(code, status.reason ?? '', status.message ?? `${method} ${path}: ${code}`);
  } catch {
    // not a Status
  }
  return new ApiError(code, '', `${method} ${path}: the API server answered ${code}: ${text.slice(0, 200)}`);
}
