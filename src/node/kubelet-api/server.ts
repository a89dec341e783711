/**
 * The node's kubelet endpoint: what the API server proxies `pods/log` and `pods/exec` to.
 * HTTPS; as the kubelet does, a caller is authenticated by a client certificate from the client
 * CA (its common name the user, its organizations the groups) or else by a bearer token the API
 * server vouches for (authentication.ts: metrics-server's service-account token), then authorized by the API
 * server for this node's `nodes/proxy` (authorization.ts): the API server's kubelet-client
 * identity gets through, another node's certificate does not.
 *
 *   GET /healthz
 *   GET /containerLogs/NAMESPACE/POD/CONTAINER?follow&previous&sinceSeconds&sinceTime&timestamps&tailLines&limitBytes
 *   GET|POST /exec/NAMESPACE/POD/CONTAINER?command=...&stdin&stdout&stderr&tty   (WebSocket or SPDY upgrade)
 *   GET|POST /portForward/NAMESPACE/POD[/UID][?port=...]   (SPDY, or WebSocket with ?port; port-forward*.ts)
 *   GET|POST /attach/NAMESPACE/POD/CONTAINER?stdin&stdout&stderr&tty              (the same transports)
 *   GET /metrics            (the agent's own; authorized as nodes/metrics)
 *   GET /metrics/resource   (resource-metrics.ts; authorized as nodes/metrics)
 *   GET /stats/summary      (summary.ts; authorized as nodes/stats)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { listenFailure } from '../../port-owner.js';
import { parsePodLogOptions, PodLogOptionsError } from '../../api/pod-log-options.js';
import { bearerToken, type KubeletAuthenticator } from './authentication.js';
import { requestAttributes, type Caller, type KubeletAuthorizer } from './authorization.js';
import { parseAttachRequest } from './attach-session.js';
import { ExecRequestError, parseExecRequest, type ExecRequest, type ExecStreams } from './exec-session.js';
import { SpdyExec } from './exec-spdy.js';
import { WebSocketExec } from './exec-websocket.js';
import type { PortForwardPod } from './port-forward.js';
import { SpdyPortForward } from './port-forward-spdy.js';
import { WebSocketPortForward } from './port-forward-websocket.js';
import { streamLog, type LogSource } from './log-stream.js';
import { PROMETHEUS_TEXT, resourceMetricsText } from './resource-metrics.js';
import { summaryJson, type StatsSummary } from './summary.js';

export interface ContainerRef {
  namespace: string;
  pod: string;
  container: string;
}

/** An error answered with its HTTP code, as the kubelet answers it: a `Status`, or plain text (its authentication and authorization filters'). */
export class KubeletError extends Error {
  constructor(readonly code: number, message: string, readonly plain = false) {
    super(message);
  }
}

/** What the endpoint serves from: the node agent's containers. */
export interface KubeletBackend {
  /**
   * The log of a container's current instance, or of the one before it (`previous`).
   * @throws KubeletError when the pod, container or instance is unknown, or it has not started
   */
  logSource(ref: ContainerRef, previous: boolean): LogSource;
  /**
   * Checks that the container can run a command now, and returns how to run it.
   * @throws KubeletError when it cannot (unknown, or not running)
   */
  prepareExec(ref: ContainerRef, request: ExecRequest): (streams: ExecStreams) => Promise<number>;
  /**
   * The pod a port-forward reaches: one running on this node (of that uid, when one is given).
   * @throws KubeletError 404 when there is none
   */
  portForwardPod?(namespace: string, pod: string, uid: string | undefined): PortForwardPod;
  /**
   * Checks that the container can be attached to now, and returns how; without it `/attach` is a
   * 404. The container's own `tty` decides how its streams are carried, as the kubelet takes it
   * from the container's spec: a terminal's output all comes on stdout.
   * @throws KubeletError when it cannot
   */
  prepareAttach?(ref: ContainerRef, request: ExecRequest): (streams: ExecStreams) => Promise<number>;
  /** The node's and its running pods' CPU and memory now; without it the statistics paths are 404s. */
  stats?(): StatsSummary;
  /** The agent's own metrics in the Prometheus text format; without it `/metrics` is a 404. */
  metrics?(): string;
}

export interface KubeletApiOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** PEM serving certificate and key. */
  cert: string;
  key: string;
  /** PEM CA that client certificates must be signed by. */
  clientCa: string;
  /** The node this endpoint serves: the name its callers are authorized for. */
  nodeName: string;
  /** Who a bearer token is: the API server's answer, normally (TokenReviewAuthenticator); without it, tokens are not taken (401). */
  authenticator?: KubeletAuthenticator;
  /** Who may call it: the API server's answer, normally (SubjectAccessReviewAuthorizer). */
  authorizer: KubeletAuthorizer;
  backend: KubeletBackend;
  log?: (entry: { method: string; path: string; user?: string; code: number }) => void;
}

export class KubeletApiServer {
  readonly #websocket = new WebSocketExec();
  readonly #spdy = new SpdyExec();
  readonly #portForwardSpdy = new SpdyPortForward();
  readonly #portForwardWebSocket = new WebSocketPortForward();

  private constructor(private readonly options: KubeletApiOptions, readonly server: Server) {}

  static async start(options: KubeletApiOptions): Promise<KubeletApiServer> {
    const server = createServer({
      cert: options.cert, key: options.key, ca: options.clientCa,
      // Ask for a certificate but decide here, so that a client without one gets a 401 it can read.
      requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2',
    });
    // As the kubelet's server: an idle connection is kept 90 s (Go's IdleTimeout there), not
    // Node's 5 s, so the API server's proxies and metric scrapes keep their TLS connections.
    server.keepAliveTimeout = 90_000;
    const endpoint = new KubeletApiServer(options, server);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => { void endpoint.#handle(request, response); });
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => { void endpoint.#upgrade(request, socket, head); });
    await new Promise<void>((resolve, reject) => {
      const refused = (error: NodeJS.ErrnoException): void => {
        void listenFailure(error, {
          host: options.host, port: options.port, what: 'the node\'s kubelet endpoint', flags: '--kubelet-address, --kubelet-port',
          // One kubelet per node: a kubelet already on this host cannot share its port.
          elsewhere: 'choose another port with --kubelet-port PORT (0 picks a free one); a kubelet already on this host cannot share its port',
        }).then(reject);
      };
      server.once('error', refused);
      server.listen(options.port, options.host, () => { server.off('error', refused); resolve(); });
    });
    return endpoint;
  }

  /** Serves a new certificate from the next handshake on (a renewed or cluster-signed one). */
  useServingCertificate(pair: { cert: string; key: string }): void {
    this.server.setSecureContext({ cert: pair.cert, key: pair.key, ca: this.options.clientCa, minVersion: 'TLSv1.2' });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /**
   * Who is calling, and whether they may: a path whose escapes do not decode is a 400 first (Go's
   * HTTP server refuses it before any filter), then 401 without a certificate from the client CA
   * or a bearer token the API server authenticates, then 403 unless the API server allows the caller this node's proxy.
   * @throws KubeletError
   */
  async #admit(request: IncomingMessage): Promise<{ url: URL; caller: Caller; route: Route | undefined }> {
    const url = targetOf(request);
    const route = routeOf(url.pathname);
    const caller = clientCaller(request) ?? await this.#tokenCaller(request);
    if (!caller) throw new KubeletError(401, 'Unauthorized', true);
    const attributes = requestAttributes(this.options.nodeName, request.method ?? '', url.pathname);
    const what = `user=${caller.name}, verb=${attributes.verb}, resource=${attributes.resource}, subresource=${attributes.subresource}`;
    let allowed: boolean;
    try {
      allowed = await this.options.authorizer.allowed(caller, attributes);
    } catch {
      throw new KubeletError(500, `Authorization error (${what})`, true);
    }
    if (!allowed) throw new KubeletError(403, `Forbidden (${what})`, true);
    return { url, caller, route };
  }

  /** The caller of a bearer token, as the kubelet's union authenticator tries it after the certificate. */
  async #tokenCaller(request: IncomingMessage): Promise<Caller | undefined> {
    const token = bearerToken(request.headers.authorization);
    if (token === undefined || !this.options.authenticator) return undefined;
    // A review that fails (the API server unreachable) is an authentication failure: 401, as the kubelet answers it.
    return this.options.authenticator.authenticate(token).catch(() => undefined);
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let user: string | undefined;
    const done = (code: number): void => this.options.log?.({ method: request.method ?? '', path: request.url ?? '', ...(user === undefined ? {} : { user }), code });
    try {
      const { url, caller, route } = await this.#admit(request);
      user = caller.name;
      if (url.pathname === '/healthz' && request.method === 'GET') {
        response.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('ok');
        return done(200);
      }
      if (route?.kind === 'containerLogs' && request.method === 'GET') {
        const options = parsePodLogOptions(url.searchParams);
        const source = this.options.backend.logSource(route.ref, options.previous);
        response.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' });
        response.flushHeaders();
        const abort = new AbortController();
        response.on('close', () => abort.abort());
        streamLog(source, options, response, abort.signal).then(() => response.end(), () => response.destroy());
        return done(200);
      }
      if ((url.pathname === '/metrics/resource' || url.pathname === '/stats/summary') && request.method === 'GET' && this.options.backend.stats) {
        const summary = this.options.backend.stats();
        const [type, body] = url.pathname === '/stats/summary' ? ['application/json', summaryJson(summary)] : [PROMETHEUS_TEXT, resourceMetricsText(summary)];
        response.writeHead(200, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) }).end(body);
        return done(200);
      }
      if (url.pathname === '/metrics' && request.method === 'GET' && this.options.backend.metrics) {
        const body = this.options.backend.metrics();
        response.writeHead(200, { 'Content-Type': PROMETHEUS_TEXT, 'Content-Length': Buffer.byteLength(body) }).end(body);
        return done(200);
      }
      if (route?.kind === 'exec' || route?.kind === 'attach' || route?.kind === 'portForward') throw new KubeletError(400, 'Upgrade request required');
      throw new KubeletError(404, `the kubelet endpoint serves no ${request.method ?? ''} ${url.pathname}`);
    } catch (error) {
      const failure = asKubeletError(error);
      if (!response.headersSent) sendError(response, failure);
      else response.destroy();
      done(failure.code);
    }
  }

  /** The exec or attach a route asks for. @throws KubeletError */
  #session(route: Route | undefined, url: URL): { exec: ExecRequest; run: (streams: ExecStreams) => Promise<number> } {
    const { backend } = this.options;
    if (route?.kind === 'exec') {
      const exec = parseExecRequest(url.searchParams);
      return { exec, run: backend.prepareExec(route.ref, exec) };
    }
    if (route?.kind === 'attach' && backend.prepareAttach) {
      // The streams are the client's as asked (kubectl fed from a pipe asks for no TTY even when
      // the container has one, and opens its streams accordingly).
      const exec = parseAttachRequest(url.searchParams);
      return { exec, run: backend.prepareAttach(route.ref, exec) };
    }
    throw new KubeletError(404, `the kubelet endpoint serves no upgrade at ${url.pathname}`);
  }

  async #upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    let user: string | undefined;
    let code = 101;
    try {
      const { url, caller, route } = await this.#admit(request);
      user = caller.name;
      if (route?.kind === 'portForward') {
        this.#portForward(request, socket, head, url, route);
      } else {
        this.#exec(request, socket, head, url, route);
      }
    } catch (error) {
      const failure = asKubeletError(error);
      code = failure.code;
      const { type, payload } = errorBody(failure);
      socket.end(`HTTP/1.1 ${code} ${STATUS_CODES[code] ?? ''}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(payload)}\r\nConnection: close\r\n\r\n${payload}`);
    }
    this.options.log?.({ method: request.method ?? '', path: request.url ?? '', ...(user === undefined ? {} : { user }), code });
  }

  /** Exec or attach: the same channels, over WebSocket or SPDY. @throws KubeletError */
  #exec(request: IncomingMessage, socket: Duplex, head: Buffer, url: URL, route: Route | undefined): void {
    const { exec, run } = this.#session(route, url);
    if (WebSocketExec.accepts(request)) this.#websocket.serve(request, socket, head, exec, run);
    else if (SpdyExec.accepts(request)) this.#spdy.serve(request, socket, head, exec, run);
    else throw new KubeletError(400, `unsupported upgrade: offer WebSocket with one of the subprotocols v5.channel.k8s.io, v4.channel.k8s.io, or SPDY/3.1`);
  }

  /** @throws KubeletError */
  #portForward(request: IncomingMessage, socket: Duplex, head: Buffer, url: URL, route: PortForwardRoute): void {
    const backend = this.options.backend;
    if (!backend.portForwardPod) throw new KubeletError(404, 'this kubelet endpoint does not serve port-forward');
    const pod = backend.portForwardPod(route.namespace, route.pod, route.uid);
    if (SpdyPortForward.accepts(request)) return this.#portForwardSpdy.serve(request, socket, head, pod);
    if (WebSocketPortForward.accepts(request) && WebSocketPortForward.speaks(request)) {
      let ports: number[];
      try {
        ports = WebSocketPortForward.ports(url.searchParams);
      } catch (error) {
        throw new KubeletError(400, (error as Error).message);
      }
      return this.#portForwardWebSocket.serve(request, socket, head, pod, ports);
    }
    throw new KubeletError(400, 'unsupported upgrade: offer SPDY/3.1 with X-Stream-Protocol-Version portforward.k8s.io, or WebSocket with the subprotocol v4.channel.k8s.io or v4.base64.channel.k8s.io');
  }
}

type PortForwardRoute = { kind: 'portForward'; namespace: string; pod: string; uid: string | undefined };
type Route = { kind: 'containerLogs' | 'exec' | 'attach'; ref: ContainerRef } | PortForwardRoute;

/** The request's target as a URL. @throws KubeletError 400 for one that is none (`http://[`) */
function targetOf(request: IncomingMessage): URL {
  try {
    return new URL(request.url ?? '/', 'https://kubelet.invalid');
  } catch {
    throw new KubeletError(400, `malformed request target ${JSON.stringify(request.url ?? '')}`);
  }
}

/** The container a path names. @throws KubeletError 400 for %-escapes that do not decode (Go's net/http refuses them so) */
function routeOf(pathname: string): Route | undefined {
  let parts: string[];
  try {
    parts = pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  } catch {
    throw new KubeletError(400, `invalid URL escape in the path ${JSON.stringify(pathname)}`);
  }
  if (parts[0] === 'portForward' && (parts.length === 3 || parts.length === 4)) {
    return { kind: 'portForward', namespace: parts[1]!, pod: parts[2]!, uid: parts[3] };
  }
  if (parts.length !== 4 || (parts[0] !== 'containerLogs' && parts[0] !== 'exec' && parts[0] !== 'attach')) return undefined;
  return { kind: parts[0], ref: { namespace: parts[1]!, pod: parts[2]!, container: parts[3]! } };
}

/** The user a verified client certificate names: its common name, and its organizations as groups. */
function clientCaller(request: IncomingMessage): Caller | undefined {
  const socket = request.socket as TLSSocket;
  if (!socket.authorized) return undefined;
  const subject = socket.getPeerCertificate().subject as Record<string, string | string[] | undefined> | undefined;
  const cn = subject?.['CN'];
  const name = Array.isArray(cn) ? cn[0] : cn;
  if (!name) return undefined;
  const organizations = subject?.['O'];
  const groups = organizations === undefined ? [] : Array.isArray(organizations) ? organizations : [organizations];
  return { name, groups: [...groups, 'system:authenticated'] };
}

function asKubeletError(error: unknown): KubeletError {
  if (error instanceof KubeletError) return error;
  if (error instanceof PodLogOptionsError || error instanceof ExecRequestError) return new KubeletError(400, error.message);
  return new KubeletError(500, error instanceof Error ? error.message : String(error));
}

const REASONS: Record<number, string> = { 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 500: 'InternalError' };

function statusBody(code: number, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: REASONS[code] ?? 'InternalError', code };
}

/** The body of an error: the kubelet's plain text from its filters, a `Status` otherwise. */
function errorBody(error: KubeletError): { type: string; payload: string } {
  if (error.plain) return { type: 'text/plain; charset=utf-8', payload: `${error.message}\n` };
  return { type: 'application/json', payload: JSON.stringify(statusBody(error.code, error.message)) };
}

function sendError(response: ServerResponse, error: KubeletError): void {
  const { type, payload } = errorBody(error);
  response.writeHead(error.code, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(payload) }).end(payload);
}
