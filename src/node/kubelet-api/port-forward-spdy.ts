/**
 * Port-forward over SPDY/3.1, as the kubelet serves it (`portforward.k8s.io`): kubectl before
 * 1.31 sends it straight, kube-apiserver sends it for newer kubectl after taking their WebSocket
 * tunnel. Each forwarded connection is a pair of client-opened streams, `streamType` error and
 * data, joined by `requestID` (or, from clients too old to send one, by stream id: error n, data
 * n+2), for `port`; each is accepted as it comes, and the port is connected once both are there.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { forwardPort, parsePort, type PortForwardPod } from './port-forward.js';
import { SpdyConnection, type SpdyStream } from './spdy-connection.js';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
/** How long the second stream of a pair may take (the kubelet's stream-creation timeout). */
const PAIR_TIMEOUT_MS = 30_000;

export class SpdyPortForward {
  static accepts(request: IncomingMessage): boolean {
    return /^spdy\/3\.1$/i.test(request.headers.upgrade ?? '');
  }

  /** Answers the upgrade (the protocol negotiated as httpstream.Handshake does) and serves the connection. */
  serve(request: IncomingMessage, socket: Duplex, head: Buffer, pod: PortForwardPod): void {
    const offered = String(request.headers['x-stream-protocol-version'] ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');
    if (!offered.includes(PORT_FORWARD_PROTOCOL)) {
      const message = offered.length === 0
        ? 'unable to upgrade: X-Stream-Protocol-Version is required'
        : `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${PORT_FORWARD_PROTOCOL}]`;
      const code = offered.length === 0 ? '400 Bad Request' : '403 Forbidden';
      socket.end(`HTTP/1.1 ${code}\r\nX-Accepted-Stream-Protocol-Versions: ${PORT_FORWARD_PROTOCOL}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(message) + 1}\r\nConnection: close\r\n\r\n${message}\n`);
      return;
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${PORT_FORWARD_PROTOCOL}\r\n\r\n`);
    servePairs(new SpdyConnection(socket, head), pod);
  }
}

interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
  timer: NodeJS.Timeout;
}

function servePairs(connection: SpdyConnection, pod: PortForwardPod): void {
  const pairs = new Map<string, Pair>();
  const gone = new AbortController();
  connection.on('stream', (stream) => {
    const type = stream.headers['streamtype'] ?? '';
    let port: number;
    try {
      if (type !== 'error' && type !== 'data') throw new Error(type === '' ? '"streamType" header is required' : `invalid stream type "${type}"`);
      if (!stream.headers['port']) throw new Error('"port" header is required');
      port = parsePort(stream.headers['port']);
    } catch {
      // The kubelet refuses such a stream outright; the client sees its creation fail.
      void stream.refuse().catch(() => {});
      return;
    }
    void stream.reply().catch(() => {});
    const id = stream.headers['requestid'] || String(type === 'error' ? stream.id : stream.id - 2);
    let pair = pairs.get(id);
    if (!pair) {
      const timer = setTimeout(() => {
        pairs.delete(id);
        void pair!.error?.end(Buffer.from(`(request=${id}) timed out waiting for streams`)).catch(() => {});
        void pair!.data?.end().catch(() => {});
      }, PAIR_TIMEOUT_MS);
      timer.unref();
      pair = { timer };
      pairs.set(id, pair);
    }
    if (pair[type]) {
      void stream.end(Buffer.alloc(0)).catch(() => {});
      void pair.error?.write(Buffer.from(`error processing stream for request ${id}: ${type} stream already assigned`)).catch(() => {});
      return;
    }
    pair[type] = stream;
    if (!pair.error || !pair.data) return;
    clearTimeout(pair.timer);
    pairs.delete(id);
    const { error, data } = pair;
    // The error stream carries nothing from the client; what it does send is read and dropped.
    error.incoming.resume();
    void forwardPort(pod, port, {
      incoming: data.incoming,
      write: (chunk) => data.write(chunk),
      end: () => data.end(),
      error: (message) => error.write(Buffer.from(message)),
      gone: gone.signal,
    }).then(() => error.end()).catch(() => {});
  });
  connection.on('close', () => {
    gone.abort();
    for (const pair of pairs.values()) clearTimeout(pair.timer);
    pairs.clear();
  });
}
