/**
 * `pods/portforward`, proxied to the kubelet endpoint of the pod's node as kube-apiserver proxies
 * it (PortForwardREST): to `/portForward/NAMESPACE/POD`, the ports passed as `port`. A WebSocket
 * that offers a tunneling subprotocol (`SPDY/3.1+portforward.k8s.io`, kubectl 1.31 and later) is
 * translated as kube-apiserver's TunnelingHandler does: the kubelet is asked for SPDY, and once it
 * agrees the client's WebSocket is accepted with that protocol and carries the SPDY connection's
 * bytes in binary messages, both ways. Anything else (SPDY from older kubectl, the channel
 * WebSocket protocol) passes through untouched.
 */
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { ObjectApi } from '../api/object-api.js';
import { badRequest, StatusError } from '../api/status-error.js';
import { findResource } from '../resources/index.js';
import {
  kubeletEndpoint, passRefusal, pickHeaders, proxyUpgradeTo, requestOptions, unreachable, UPGRADE_HEADERS,
  type KubeletClientCredentials, type KubeletTarget,
} from './kubelet-proxy.js';

/** The WebSocket subprotocol prefix of a tunneled SPDY protocol (k8s.io/apimachinery's WebsocketsSPDYTunnelingPrefix). */
const TUNNELING_PREFIX = 'SPDY/3.1+';

/** The kubelet endpoint of the node a pod runs on. @throws StatusError 400 for a pod on no node yet */
export function portForwardTarget(api: ObjectApi, namespace: string, podName: string): KubeletTarget {
  const pod = api.get(findResource('', 'v1', 'pods')!, namespace, podName);
  const nodeName = (pod['spec'] as { nodeName?: string } | undefined)?.nodeName;
  if (!nodeName) throw badRequest(`pod ${podName} does not have a host assigned`);
  const node = api.find(findResource('', 'v1', 'nodes')!, '', nodeName);
  if (!node) throw new StatusError(404, 'NotFound', `nodes "${nodeName}" not found: pod ${podName} is bound to a node that is not registered`);
  return { node: nodeName, ...kubeletEndpoint(node), namespace, pod: podName, container: '' };
}

/** The tunneled SPDY protocols a WebSocket request offers, without their prefix. */
export function tunneledProtocols(request: IncomingMessage): string[] {
  if (request.headers.upgrade?.toLowerCase() !== 'websocket') return [];
  return String(request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim())
    .filter((p) => p.startsWith(TUNNELING_PREFIX) && p.endsWith('.k8s.io'))
    .map((p) => p.slice(TUNNELING_PREFIX.length));
}

/** Serves a port-forward upgrade: tunneled, or passed through. */
export function proxyPortForward(target: KubeletTarget, request: IncomingMessage, query: URLSearchParams, head: Buffer, socket: Duplex, credentials: KubeletClientCredentials): Promise<void> {
  const ports = new URLSearchParams();
  for (const port of query.getAll('ports')) ports.append('port', port);
  const search = ports.toString();
  const path = `/portForward/${encodeURIComponent(target.namespace)}/${encodeURIComponent(target.pod)}${search ? `?${search}` : ''}`;
  const protocols = tunneledProtocols(request);
  if (protocols.length === 0) return proxyUpgradeTo(target, request, path, head, socket, credentials);
  return tunnel(target, request, path, protocols, head, socket, credentials);
}

/**
 * The tunnels' WebSocket handshakes. `ws` refuses subprotocols that are not RFC 7230 tokens, and
 * `SPDY/3.1+portforward.k8s.io` has a '/', which Go's gorilla/websocket lets through: the header
 * is taken off the request before `ws` sees it, and the chosen protocol put in its answer here.
 */
const tunnels = new WebSocketServer({ noServer: true });
const answeredProtocol = new WeakMap<IncomingMessage, string>();
tunnels.on('headers', (headers, request) => {
  const protocol = answeredProtocol.get(request);
  if (protocol) headers.push(`Sec-WebSocket-Protocol: ${protocol}`);
});

function tunnel(target: KubeletTarget, request: IncomingMessage, path: string, protocols: string[], head: Buffer, socket: Duplex, credentials: KubeletClientCredentials): Promise<void> {
  const headers: Record<string, string | string[]> = {
    ...pickHeaders(request.headers, UPGRADE_HEADERS.filter((h) => !h.startsWith('sec-websocket') && h !== 'connection' && h !== 'upgrade')),
    connection: 'Upgrade', upgrade: 'SPDY/3.1', 'x-stream-protocol-version': protocols,
  };
  return new Promise<void>((resolve, reject) => {
    const upstream = httpsRequest(requestOptions(target, credentials, 'POST', path, headers));
    upstream.on('upgrade', (reply, kubelet, kubeletHead) => {
      const chosen = String(reply.headers['x-stream-protocol-version'] ?? '').trim();
      if (!/spdy\/3\.1/i.test(String(reply.headers.upgrade ?? ''))) {
        kubelet.destroy();
        reject(new StatusError(500, 'InternalError', 'unable to upgrade: missing upgrade headers in response'));
        return;
      }
      // The kubelet's choice, in its tunneled form, is the client's subprotocol.
      delete request.headers['sec-websocket-protocol'];
      if (chosen) answeredProtocol.set(request, `${TUNNELING_PREFIX}${chosen}`);
      // A handshake ws refuses (it answers the client itself) closes the client's socket: the kubelet's goes too.
      socket.once('close', () => { kubelet.destroy(); resolve(); });
      tunnels.handleUpgrade(request, socket, head, (ws) => {
        const client = createWebSocketStream(ws);
        if (kubeletHead.length > 0) client.write(kubeletHead);
        client.pipe(kubelet);
        kubelet.pipe(client);
        const end = (): void => { kubelet.destroy(); client.destroy(); resolve(); };
        client.on('error', end);
        kubelet.on('error', end);
        client.on('close', end);
        kubelet.on('close', end);
      });
    });
    upstream.on('response', (reply) => { passRefusal(reply, socket).then(resolve, reject); });
    upstream.on('error', (error) => reject(unreachable(target, error)));
    socket.on('error', () => upstream.destroy());
    upstream.end();
  });
}
