/**
 * `pods/log` and `pods/exec`, proxied to the kubelet endpoint of the pod's node as kube-apiserver
 * proxies them: the node's address and `daemonEndpoints.kubeletEndpoint.Port` from its status,
 * TLS verified against the cluster CA, and the API server's kubelet-client certificate as its
 * credential. Logs are a streamed GET; exec is an upgrade (WebSocket or SPDY) whose bytes pass
 * through untouched, so every protocol version kubectl speaks works as the kubelet speaks it.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ObjectApi } from '../api/object-api.js';
import { isObject, metaOf, type Obj } from '../api/object-meta.js';
import { findResource } from '../resources/index.js';
import { badRequest, StatusError } from '../api/status-error.js';
import type { KeyPair } from '../../pki.js';

export interface KubeletClientCredentials {
  /** The CA kubelet serving certificates are verified against. */
  ca: string;
  /** The API server's client certificate and key. */
  client: KeyPair;
}

/** Where a container of a pod is served: its node's kubelet endpoint. */
export interface KubeletTarget {
  node: string;
  host: string;
  port: number;
  namespace: string;
  pod: string;
  container: string;
}

/** The query parameters the kubelet's `/containerLogs` takes, in the API server's names. */
const LOG_PARAMETERS = ['follow', 'previous', 'sinceSeconds', 'sinceTime', 'timestamps', 'tailLines', 'limitBytes', 'insecureSkipTLSVerifyBackend'];
/** PodExecOptions' streams, and the names the kubelet's `/exec` takes them by (core/v1's ExecStdinParam...). */
const EXEC_STREAMS: [option: string, kubelet: string][] = [['stdin', 'input'], ['stdout', 'output'], ['stderr', 'error'], ['tty', 'tty']];
/** Request headers an upgrade needs at the other end; credentials for the API server stay behind. */
export const UPGRADE_HEADERS = ['connection', 'upgrade', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol', 'sec-websocket-extensions', 'x-stream-protocol-version', 'user-agent', 'origin'];

/** Finds the node, its kubelet endpoint and the container a log or exec request is for. */
export function kubeletTarget(api: ObjectApi, namespace: string, podName: string, container: string | null): KubeletTarget {
  const target = logTarget(api, namespace, podName, container);
  if (!target) throw badRequest(`pod ${podName} does not have a host assigned`);
  return target;
}

/**
 * `kubeletTarget` for a log: none for a pod on no node yet (its container is checked first),
 * whose log kube-apiserver's LogLocation answers as empty rather than as an error.
 */
export function logTarget(api: ObjectApi, namespace: string, podName: string, container: string | null): KubeletTarget | undefined {
  const pods = findResource('', 'v1', 'pods')!;
  const pod = api.get(pods, namespace, podName);
  const spec = (pod['spec'] ?? {}) as { nodeName?: string; containers?: { name: string }[]; initContainers?: { name: string }[]; ephemeralContainers?: { name: string }[] };
  const chosen = chooseContainer(podName, spec, container);
  const nodeName = spec.nodeName;
  if (!nodeName) return undefined;
  const node = api.find(findResource('', 'v1', 'nodes')!, '', nodeName);
  if (!node) throw new StatusError(404, 'NotFound', `nodes "${nodeName}" not found: pod ${podName} is bound to a node that is not registered`);
  const { host, port } = kubeletEndpoint(node);
  return { node: nodeName, host, port, namespace, pod: podName, container: chosen };
}

/**
 * The container a request names, or the only one; the API server's messages when it cannot
 * tell or the name is not the pod's.
 */
function chooseContainer(podName: string, spec: { containers?: { name: string }[]; initContainers?: { name: string }[]; ephemeralContainers?: { name: string }[] }, container: string | null): string {
  const containers = (spec.containers ?? []).map((c) => c.name);
  const init = (spec.initContainers ?? []).map((c) => c.name);
  const ephemeral = (spec.ephemeralContainers ?? []).map((c) => c.name);
  if (!container) {
    if (containers.length === 1) return containers[0]!;
    let message = `a container name must be specified for pod ${podName}, choose one of: [${containers.join(' ')}]`;
    if (init.length > 0) message += ` or one of the init containers: [${init.join(' ')}]`;
    if (ephemeral.length > 0) message += ` or one of the ephemeral containers: [${ephemeral.join(' ')}]`;
    throw badRequest(message);
  }
  if (![...containers, ...init, ...ephemeral].includes(container)) throw badRequest(`container ${container} is not valid for pod ${podName}`);
  return container;
}

/**
 * The address and port of a node's kubelet endpoint, from the status its agent reports.
 * @throws StatusError 503 naming the status field the node does not report
 */
export function kubeletEndpoint(node: Obj): { host: string; port: number } {
  const name = metaOf(node).name ?? '';
  const status = (isObject(node['status']) ? node['status'] : {}) as {
    addresses?: { type?: string; address?: string }[];
    daemonEndpoints?: { kubeletEndpoint?: { Port?: number } };
  };
  const port = status.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!port) {
    throw new StatusError(503, 'ServiceUnavailable', `node "${name}" reports no kubelet endpoint (status.daemonEndpoints.kubeletEndpoint.Port): its node agent does not serve logs and exec`);
  }
  // kube-apiserver prefers Hostname first, which needs name resolution that hostpod does not
  // have; an agent reports its InternalIP, which comes first here.
  for (const type of ['InternalIP', 'ExternalIP', 'Hostname']) {
    const address = status.addresses?.find((a) => a.type === type && a.address)?.address;
    if (address) return { host: address, port };
  }
  throw new StatusError(503, 'ServiceUnavailable', `node "${name}" reports no address (status.addresses) to reach its kubelet endpoint at`);
}

function kubeletPath(kind: 'containerLogs' | 'exec' | 'attach', target: KubeletTarget, query: URLSearchParams, names: readonly string[]): string {
  const forwarded = new URLSearchParams();
  for (const [key, value] of query) if (names.includes(key)) forwarded.append(key, value);
  const path = [kind, target.namespace, target.pod, target.container].map(encodeURIComponent).join('/');
  const search = forwarded.toString();
  return `/${path}${search ? `?${search}` : ''}`;
}

/** What kube-apiserver's ExecLocation sends the kubelet: each command word, and "1" for each stream asked for (AttachLocation: no command). */
function kubeletExecQuery(query: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const word of query.getAll('command')) out.append('command', word);
  // The booleans of PodExecOptions, as Go's strconv.ParseBool reads them.
  const yes = (value: string | null): boolean => value !== null && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value);
  for (const [option, kubelet] of EXEC_STREAMS) if (yes(query.get(option))) out.append(kubelet, '1');
  return out;
}

export function requestOptions(target: KubeletTarget, credentials: KubeletClientCredentials, method: string, path: string, headers: Record<string, string | string[]>): RequestOptions {
  return {
    host: target.host, port: target.port, method, path, headers,
    ca: credentials.ca, cert: credentials.client.cert, key: credentials.client.key,
    // The kubelet's certificate names its node's addresses; verify against them, not a DNS name.
    servername: isIP(target.host) ? '' : target.host,
    minVersion: 'TLSv1.2',
    agent: false,
  };
}

export function unreachable(target: KubeletTarget, error: Error): StatusError {
  return new StatusError(503, 'ServiceUnavailable',
    `cannot reach the kubelet endpoint of node "${target.node}" at ${target.host}:${target.port}: ${error.message} (is the node agent running?)`);
}

/** Streams a container's log from its kubelet to `response`; ends when either side does. */
export function proxyLogs(target: KubeletTarget, query: URLSearchParams, credentials: KubeletClientCredentials, response: ServerResponse): Promise<void> {
  const path = kubeletPath('containerLogs', target, query, LOG_PARAMETERS);
  return new Promise<void>((resolve, reject) => {
    const upstream = httpsRequest(requestOptions(target, credentials, 'GET', path, {}), (reply) => {
      const code = reply.statusCode ?? 502;
      if (code >= 300) {
        readAll(reply).then((body) => reject(kubeletError(code, body)), reject);
        return;
      }
      response.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
      response.flushHeaders();
      reply.pipe(response);
      reply.on('end', resolve);
      reply.on('error', () => { response.destroy(); resolve(); });
    });
    upstream.on('error', (error) => {
      if (response.headersSent) {
        response.destroy();
        resolve();
      } else {
        reject(unreachable(target, error));
      }
    });
    // A client that goes away (kubectl logs -f, Ctrl-C) ends the kubelet's follow too.
    response.on('close', () => upstream.destroy());
    upstream.end();
  });
}

/**
 * Passes an exec or attach upgrade through to the kubelet: the kubelet's answer (101 and its
 * protocol choice, or an error) goes back to the client verbatim, then bytes flow both ways.
 */
export function proxyUpgrade(target: KubeletTarget, request: IncomingMessage, query: URLSearchParams, head: Buffer, socket: Duplex, credentials: KubeletClientCredentials, kind: 'exec' | 'attach' = 'exec'): Promise<void> {
  const names = [...(kind === 'exec' ? ['command'] : []), ...EXEC_STREAMS.map(([, kubelet]) => kubelet)];
  const path = kubeletPath(kind, target, kubeletExecQuery(query), names);
  return proxyUpgradeTo(target, request, path, head, socket, credentials);
}

/** Passes an upgrade through to `path` on the kubelet (exec, attach, port-forward), as proxyUpgrade describes. */
export function proxyUpgradeTo(target: KubeletTarget, request: IncomingMessage, path: string, head: Buffer, socket: Duplex, credentials: KubeletClientCredentials): Promise<void> {
  const headers = pickHeaders(request.headers, UPGRADE_HEADERS);
  return new Promise<void>((resolve, reject) => {
    const upstream = httpsRequest(requestOptions(target, credentials, request.method ?? 'GET', path, headers));
    upstream.on('upgrade', (reply, kubelet, kubeletHead) => {
      socket.write(statusLine(reply) + rawHeaders(reply.rawHeaders) + '\r\n');
      if (kubeletHead.length > 0) socket.write(kubeletHead);
      if (head.length > 0) kubelet.write(head);
      kubelet.pipe(socket).on('error', () => kubelet.destroy());
      socket.pipe(kubelet).on('error', () => socket.destroy());
      const end = (): void => { kubelet.destroy(); socket.destroy(); resolve(); };
      kubelet.on('close', end);
      socket.on('close', end);
      kubelet.on('error', end);
      socket.on('error', end);
    });
    upstream.on('response', (reply) => { passRefusal(reply, socket).then(resolve, reject); });
    upstream.on('error', (error) => reject(unreachable(target, error)));
    socket.on('error', () => upstream.destroy());
    upstream.end();
  });
}

/** The kubelet refused an upgrade: its answer, verbatim, is the client's. */
export async function passRefusal(reply: IncomingMessage, socket: Duplex): Promise<void> {
  const body = await readAll(reply);
  socket.write(statusLine(reply) + rawHeaders(reply.rawHeaders, /^(transfer-encoding|connection|content-length)$/i)
    + `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
  socket.end(body);
}

export function pickHeaders(headers: IncomingHttpHeaders, names: readonly string[]): Record<string, string | string[]> {
  const picked: Record<string, string | string[]> = {};
  for (const name of names) {
    const value = headers[name];
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}

function statusLine(reply: IncomingMessage): string {
  return `HTTP/1.1 ${reply.statusCode ?? 502} ${reply.statusMessage ?? ''}\r\n`;
}

function rawHeaders(raw: readonly string[], skip?: RegExp): string {
  let text = '';
  for (let i = 0; i + 1 < raw.length; i += 2) if (!skip?.test(raw[i]!)) text += `${raw[i]!}: ${raw[i + 1]!}\r\n`;
  return text;
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A kubelet's error answer as the API server's: its `Status` if it sent one, else its text. */
function kubeletError(code: number, body: Buffer): StatusError {
  try {
    const status = JSON.parse(body.toString('utf8')) as { kind?: string; message?: string; reason?: string; code?: number };
    if (status.kind === 'Status' && status.message) return new StatusError(status.code ?? code, status.reason ?? '', status.message);
  } catch {
    // Not JSON: the kubelet's plain-text error.
  }
  const text = body.toString('utf8').trim() || `the kubelet answered ${code}`;
  const reasons: Record<number, string> = { 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound' };
  return new StatusError(code, reasons[code] ?? 'InternalError', text);
}
