/**
 * The API server's request handling: authenticate, route, authorize, then serve discovery,
 * OpenAPI or a resource verb. One function per step; errors are `StatusError`s rendered once.
 */
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ObjectApi } from '../api/object-api.js';
import { forbidden, methodNotSupported, pathNotFound, StatusError, unauthorized } from '../api/status-error.js';
import type { Authenticator } from '../auth/authenticator.js';
import { authorize, authorizePath, type Attributes } from '../auth/authorizer.js';
import { actingUser } from '../auth/impersonation.js';
import type { TokenKeys } from '../auth/tokens.js';
import type { UserInfo } from '../auth/user.js';
import { aggregated, coreVersions, groupDocument, groupList, resourceList, AGGREGATED_V2, AGGREGATED_V2BETA1 } from './discovery.js';
import { negotiate } from './negotiation.js';
import { openApiDocument } from './openapi.js';
import { kubeletTarget, proxyUpgrade, type KubeletClientCredentials } from './kubelet-proxy.js';
import { portForwardTarget, proxyPortForward } from './port-forward-proxy.js';
import { checkPathName, parseApiPath, parseRequestTarget, type RequestTarget, type Route } from './paths.js';
import { redactTarget } from './request-log.js';
import { classify, type PriorityAndFairness } from './priority-and-fairness.js';
import { EventWriteTurns, isEventWrite } from './event-write-turns.js';
import { sendError, sendJson, writeSocketError } from './respond.js';
import { serveResource } from './resource-handlers.js';
import type { VersionInfo } from '../../version.js';
import { isBuiltInGroup } from '../../api/kinds.js';
import { customResourceVersion } from '../customresources/index.js';
import { answerMetrics, ApiServerMetrics, METRICS_GROUP, METRICS_VERSION, metricsAggregatedGroup, metricsApiGroup, metricsResourceList, metricsTable, metricsVerb, parseMetricsPath, PROMETHEUS_TEXT, type MetricsRequest, type MetricsStorage } from '../metrics/index.js';
import { requestMetricAttributes } from './request-metrics.js';
import { withRowObject } from './representations.js';

export interface RequestLog {
  method: string;
  /** The request target as sent, credentials in its query redacted. */
  path: string;
  user?: string;
  code: number;
  ms: number;
}

export interface ApiHandlerOptions {
  api: ObjectApi;
  authenticator: Authenticator;
  tokens: TokenKeys;
  version: VersionInfo;
  /** `host:port` clients reach the server at, for `/api`. */
  serverAddress: () => string;
  bookmarkIntervalMs?: number;
  log?: (entry: RequestLog) => void;
  /** Whether the controllers have started: `/readyz` answers 500 until then. */
  ready?: () => boolean;
  /** How to reach kubelet endpoints for `pods/log` and `pods/exec`. */
  kubelet?: KubeletClientCredentials;
  /** Seats and queues for heavy reads (API Priority and Fairness); one with the defaults if unset. */
  flowControl?: PriorityAndFairness;
  /** The nodes' and pods' scraped resource usage, for metrics.k8s.io; 503 there when unset. */
  resourceMetrics?: MetricsStorage;
  /** The objects stored per resource (`pods`, `daemonsets.apps`), for `/metrics`. */
  storedObjects?: () => ReadonlyMap<string, number>;
  /** Where clients' event writes wait while the thread is busy; one with the defaults if unset. */
  eventWrites?: EventWriteTurns;
}

export type ResourceVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export class ApiHandler {
  /** What `/metrics` reports of the requests served. */
  readonly requestMetrics = new ApiServerMetrics();
  /**
   * Requests authorization refused: kube-apiserver's authorization filter answers them before
   * its instrumented handlers, so they are not counted (nor are 401s, the authentication filter's).
   */
  readonly #refused = new WeakSet<IncomingMessage>();
  /** Clients' event writes, behind other work while the thread is busy (event-write-turns.ts). */
  readonly eventWrites: EventWriteTurns;

  constructor(readonly options: ApiHandlerOptions) {
    this.eventWrites = options.eventWrites ?? new EventWriteTurns();
  }

  /** Serves one request; never throws. */
  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = performance.now();
    let user: UserInfo | undefined;
    let code = 200;
    const method = request.method ?? 'GET';
    const ended = this.requestMetrics.begin(!['GET', 'HEAD', 'OPTIONS'].includes(method));
    try {
      user = this.options.authenticator.authenticate(request.headers.authorization, clientCertificate(request));
      if (!user) throw unauthorized();
      await this.#route(request, response, parseRequestTarget(request.url ?? '/'), user);
      code = response.statusCode;
    } catch (error) {
      code = sendError(response, error).code;
    } finally {
      ended();
      // Counted once authenticated and authorized, as kube-apiserver's instrumented handlers count.
      const counted = user && !this.#refused.has(request) ? requestMetricAttributes(method, request.url ?? '/', request.headers['content-type']) : undefined;
      if (counted) this.requestMetrics.observe(counted, code, (performance.now() - started) / 1000);
      this.options.log?.({ method: request.method ?? '', path: redactTarget(request.url ?? ''), ...(user ? { user: user.username } : {}), code, ms: performance.now() - started });
    }
  }

  /**
   * Serves an HTTP upgrade: `pods/exec` and `pods/attach` (WebSocket or SPDY), passed through to the
   * pod's kubelet, and `pods/portforward` (port-forward-proxy.ts).
   * Never throws; errors are written to the socket as HTTP responses with a `Status`.
   */
  async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const started = performance.now();
    let user: UserInfo | undefined;
    let code = 101;
    socket.on('error', () => socket.destroy()); // a client gone mid-upgrade is no server error
    try {
      user = this.options.authenticator.authenticate(request.headers.authorization, clientCertificate(request));
      if (!user) throw unauthorized();
      const { path, segments, query } = parseRequestTarget(request.url ?? '/');
      const route = parseApiPath(segments);
      const subresource = route.type === 'resource' && route.info.resource === 'pods' && route.name !== undefined ? route.subresource : undefined;
      if (route.type !== 'resource' || route.name === undefined || (subresource !== 'exec' && subresource !== 'attach' && subresource !== 'portforward')) {
        throw new StatusError(400, 'BadRequest', `an upgrade is served only for pods/exec, pods/attach and pods/portforward, not ${path}`);
      }
      // Exec, attach and port-forward are `create` whatever the method, as kube-apiserver authorizes WebSocket upgrades.
      const attributes: Attributes = { verb: 'create', group: '', resource: 'pods', subresource, namespace: route.namespace, namespaced: true, name: route.name };
      const denied = authorize(actingUser(user, request.headersDistinct, attributes, this.options.api), attributes, this.options.api);
      if (denied) throw this.#refuse(request, forbidden(route.info, route.name, denied));
      checkPathName(route.name);
      if (subresource === 'portforward') {
        await proxyPortForward(portForwardTarget(this.options.api, route.namespace, route.name), request, query, head, socket, this.kubeletCredentials());
        return;
      }
      const target = kubeletTarget(this.options.api, route.namespace, route.name, query.get('container'));
      await proxyUpgrade(target, request, query, head, socket, this.kubeletCredentials(), subresource);
    } catch (error) {
      code = writeSocketError(socket, error).code;
    } finally {
      const counted = user && !this.#refused.has(request) ? requestMetricAttributes(request.method ?? 'GET', request.url ?? '/', undefined, true) : undefined;
      if (counted) this.requestMetrics.observe(counted, code, (performance.now() - started) / 1000);
      this.options.log?.({ method: request.method ?? '', path: redactTarget(request.url ?? ''), ...(user ? { user: user.username } : {}), code, ms: performance.now() - started });
    }
  }

  /** The credentials for kubelet endpoints; 503 when this server has none. */
  kubeletCredentials(): KubeletClientCredentials {
    if (!this.options.kubelet) throw new StatusError(503, 'ServiceUnavailable', 'this API server has no kubelet client credentials: logs and exec cannot be proxied');
    return this.options.kubelet;
  }

  async #route(request: IncomingMessage, response: ServerResponse, target: RequestTarget, user: UserInfo): Promise<void> {
    const { path, query } = target;
    const method = request.method ?? 'GET';
    const metrics = parseMetricsPath(target.segments);
    if (metrics?.type === 'resource') return this.#metricsResource(request, response, metrics.request, query, user);
    const route = parseApiPath(target.segments);
    if (route.type === 'resource') {
      // A namespaced custom resource has no object or create outside a namespace: the CRD
      // handler answers Go's NotFound page there.
      if (route.info.namespaced && route.namespace === '' && (route.name !== undefined || method === 'POST') && customResourceVersion(route.info)) {
        return pageNotFound(response);
      }
      const verb = verbOf(method, route, query);
      const attributes: Attributes = {
        verb, group: route.info.group, resource: route.info.resource, namespace: route.namespace, namespaced: route.info.namespaced,
        ...(route.name === undefined ? {} : { name: route.name }),
        ...(route.subresource === undefined ? {} : { subresource: route.subresource }),
        ...(query.has('fieldSelector') ? { fieldSelector: query.get('fieldSelector')! } : {}),
      };
      const acting = actingUser(user, request.headersDistinct, attributes, this.options.api);
      const denied = authorize(acting, attributes, this.options.api);
      if (denied) throw this.#refuse(request, forbidden(route.info, route.name ?? '', denied));
      if (route.name !== undefined) checkPathName(route.name);
      if (isEventWrite(verb, route.info.group, route.info.resource, route.subresource)
        && classify({ user: acting, verb, group: route.info.group, resource: route.info.resource, namespace: route.namespace }).level !== 'exempt') {
        const turn = this.eventWrites.turn();
        if (turn) {
          await turn;
          // The connection ended while the write waited (the client left, or the server stopped).
          if (request.socket.destroyed) return;
        }
      }
      await serveResource(this, request, response, { ...route, verb, url: queryUrl(query), user: acting });
      return;
    }
    // No route serves an unknown resource, whatever the method: 404, as kube-apiserver answers.
    if (route.type === 'unknown-resource') {
      // A group Kubernetes does not serve itself is a custom resource's: kube-apiserver's
      // handler chain ends in Go's NotFound page there, not a Status (kubectl words its own).
      if (!isBuiltInGroup(route.group)) return pageNotFound(response);
      throw pathNotFound();
    }
    if (method !== 'GET' && method !== 'HEAD') throw new StatusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    const acting = actingUser(user, request.headersDistinct, { path, verb: method.toLowerCase() }, this.options.api);
    const deniedPath = authorizePath(acting, { path, verb: method.toLowerCase() }, this.options.api);
    if (deniedPath) throw this.#refuse(request, new StatusError(403, 'Forbidden', deniedPath));
    this.#nonResource(request, response, path, route);
  }

  #nonResource(request: IncomingMessage, response: ServerResponse, path: string, route: Route): void {
    const accept = request.headers.accept;
    if (path === '/version') return sendJson(response, 200, this.options.version);
    if (['/healthz', '/livez', '/readyz'].includes(path) || /^\/(healthz|livez|readyz)\/[\w-]+$/.test(path)) {
      const ready = path.startsWith('/readyz') ? (this.options.ready?.() ?? true) : true;
      response.writeHead(ready ? 200 : 500, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      response.end(ready ? 'ok' : '[-]controllers failed: not started yet\nreadyz check failed');
      return;
    }
    if (path === '/api' || path === '/apis') {
      const representation = negotiate(accept, { discovery: true });
      if (representation.type === 'aggregated-discovery') {
        const type = representation.version === 'v2' ? AGGREGATED_V2 : AGGREGATED_V2BETA1;
        const document = aggregated(path === '/api', representation.version) as { items: unknown[] };
        // metrics.k8s.io comes last, as kube-aggregator orders metrics-server's APIService.
        if (path === '/apis') document.items.push(metricsAggregatedGroup());
        return sendJson(response, 200, document, [], type);
      }
      if (path === '/api') return sendJson(response, 200, coreVersions(this.options.serverAddress()));
      const groups = groupList() as { groups: unknown[] };
      groups.groups.push(metricsApiGroup());
      return sendJson(response, 200, groups);
    }
    if (path === `/apis/${METRICS_GROUP}`) return sendJson(response, 200, { kind: 'APIGroup', apiVersion: 'v1', ...metricsApiGroup() });
    if (path === `/apis/${METRICS_GROUP}/${METRICS_VERSION}`) return sendJson(response, 200, metricsResourceList());
    if (path === '/metrics') {
      const text = this.requestMetrics.text(this.options.storedObjects?.() ?? new Map());
      response.writeHead(200, { 'Content-Type': PROMETHEUS_TEXT, 'Content-Length': String(Buffer.byteLength(text)) });
      response.end(text);
      return;
    }
    const group = /^\/apis\/([^/]+)$/.exec(path);
    if (group) {
      const document = groupDocument(group[1]!);
      if (document) return sendJson(response, 200, document);
    }
    if (route.type === 'group-version') {
      const document = resourceList(route.group, route.version);
      if (document) return sendJson(response, 200, document);
      if (!isBuiltInGroup(route.group)) return pageNotFound(response);
    }
    if (group && !isBuiltInGroup(group[1]!)) return pageNotFound(response);
    if (path === '/openapi/v2') {
      // kubectl 1.27 and 1.28 fetch this eagerly and fail without it; an empty body is an empty
      // Protobuf OpenAPI document, and they leave validation to the server as later versions do.
      response.writeHead(200, { 'Content-Length': '0' });
      response.end();
      return;
    }
    if (path.startsWith('/openapi/')) {
      const document = openApiDocument(path);
      if (document) return sendJson(response, 200, document);
    }
    throw pathNotFound();
  }

  /** Marks a request authorization refused, which `/metrics` leaves out; returns the refusal. */
  #refuse(request: IncomingMessage, error: StatusError): StatusError {
    this.#refused.add(request);
    return error;
  }

  /** metrics.k8s.io's nodes and pods, authorized by RBAC as kube-apiserver authorizes them before passing them to metrics-server. */
  #metricsResource(request: IncomingMessage, response: ServerResponse, metrics: MetricsRequest, query: URLSearchParams, user: UserInfo): void {
    const verb = metricsVerb(request.method ?? 'GET', metrics, query);
    const attributes: Attributes = {
      verb, group: METRICS_GROUP, resource: metrics.resource, namespace: metrics.namespace, namespaced: metrics.resource === 'pods',
      ...(metrics.name === undefined ? {} : { name: metrics.name }),
    };
    const acting = actingUser(user, request.headersDistinct, attributes, this.options.api);
    const denied = authorize(acting, attributes, this.options.api);
    if (denied) throw this.#refuse(request, forbidden({ group: METRICS_GROUP, resource: metrics.resource }, metrics.name ?? '', denied));
    if (metrics.name !== undefined) checkPathName(metrics.name);
    if (!this.options.resourceMetrics) {
      throw new StatusError(503, 'ServiceUnavailable', 'the server is currently unable to handle the request: this API server scrapes no resource metrics');
    }
    const answer = answerMetrics(this.options.api, this.options.resourceMetrics, metrics, query, this.options.api.now());
    const representation = negotiate(request.headers.accept);
    if (representation.type !== 'table') return sendJson(response, 200, answer);
    // `kubectl get nodes.metrics.k8s.io`: metrics-server's columns.
    const items = Array.isArray(answer['items']) ? answer['items'] : [answer];
    const table = metricsTable(items as Parameters<typeof metricsTable>[0]);
    sendJson(response, 200, { ...table, rows: table.rows.map((row) => withRowObject(row, query)) });
  }
}

/** Go's http.NotFound, which kube-apiserver answers for paths no handler takes. */
function pageNotFound(response: ServerResponse): void {
  response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  response.end('404 page not found\n');
}

/** A URL carrying only the query, for the handlers that read `url.searchParams`. */
function queryUrl(query: URLSearchParams): URL {
  const url = new URL('https://hostpod.invalid/');
  for (const [key, value] of query) url.searchParams.append(key, value);
  return url;
}

/** The Kubernetes verb of a request (what authorization and errors name). */
function verbOf(method: string, route: Extract<Route, { type: 'resource' }>, query: URLSearchParams): ResourceVerb {
  const watch = route.legacyWatch || query.get('watch') === 'true' || query.get('watch') === '1';
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (route.name === undefined) return watch ? 'watch' : 'list';
      return watch ? 'watch' : 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return route.name === undefined ? 'deletecollection' : 'delete';
    default:
      throw methodNotSupported(route.info, method);
  }
}

/** The client certificate the TLS layer verified against the cluster CA, if any. */
/**
 * The client certificate of a connection, read once per connection: `getPeerCertificate()` builds
 * a new object from the certificate on each call, which cost more than the rest of a request's
 * authentication when a client sent hundreds of requests over one connection.
 */
const peerCertificates = new WeakMap<TLSSocket, PeerCertificate | undefined>();

function clientCertificate(request: IncomingMessage): PeerCertificate | undefined {
  const socket = request.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function' || !socket.authorized) return undefined;
  if (peerCertificates.has(socket)) return peerCertificates.get(socket);
  const certificate = socket.getPeerCertificate();
  const verified = certificate.subject ? certificate : undefined;
  peerCertificates.set(socket, verified);
  return verified;
}
