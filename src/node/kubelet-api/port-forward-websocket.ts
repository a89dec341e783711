/**
 * Port-forward over WebSocket, as the kubelet serves it to clients that speak the channel
 * protocol (`v4.channel.k8s.io`, its base64 form, or no subprotocol): the ports come in the
 * query (`?port=8080&port=9090`), each port one connection on two channels, data 2i and error
 * 2i+1, and each channel's first message is its port as 16-bit little endian. (kubectl itself
 * does not use this: it tunnels SPDY through the API server, port-forward-spdy.ts.)
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { PassThrough } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { forwardPort, parsePort, type PortForwardPod } from './port-forward.js';

const BINARY = 'v4.channel.k8s.io';
const BASE64 = 'v4.base64.channel.k8s.io';

export class WebSocketPortForward {
  readonly #server = new WebSocketServer({
    noServer: true,
    // No subprotocol offered is the binary protocol too (wsstream's "" entry).
    handleProtocols: (offered) => [BINARY, BASE64].find((p) => offered.has(p)) ?? false,
  });

  static accepts(request: IncomingMessage): boolean {
    return request.headers.upgrade?.toLowerCase() === 'websocket';
  }

  /**
   * The ports of a request. @throws Error with the kubelet's message, for a 400
   */
  static ports(query: URLSearchParams): number[] {
    const values = query.getAll('port');
    if (values.length === 0) throw new Error('query parameter "port" is required');
    return values.flatMap((value) => {
      if (value === '') throw new Error('query parameter "port" cannot be empty');
      return value.split(',').map(parsePort);
    });
  }

  /** Whether the offered subprotocols include one spoken here (or none is offered). */
  static speaks(request: IncomingMessage): boolean {
    const offered = String(request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');
    return offered.length === 0 || offered.includes(BINARY) || offered.includes(BASE64);
  }

  serve(request: IncomingMessage, socket: Duplex, head: Buffer, pod: PortForwardPod, ports: readonly number[]): void {
    this.#server.handleUpgrade(request, socket, head, (ws) => session(ws, pod, ports));
  }
}

function session(ws: WebSocket, pod: PortForwardPod, ports: readonly number[]): void {
  const base64 = ws.protocol === BASE64;
  const send = (channel: number, data: Buffer): Promise<void> => new Promise((resolve) => {
    if (ws.readyState !== ws.OPEN) return resolve();
    const message = base64 ? String.fromCharCode(48 + channel) + data.toString('base64') : Buffer.concat([Buffer.from([channel]), data]);
    ws.send(message, { binary: !base64 }, () => resolve());
  });
  const incoming = ports.map(() => new PassThrough());
  ws.on('message', (raw: Buffer, isBinary) => {
    let channel: number;
    let payload: Buffer;
    if (isBinary && !base64) {
      if (raw.length === 0) return;
      channel = raw[0]!;
      payload = raw.subarray(1);
    } else {
      const text = raw.toString('utf8');
      if (text.length === 0) return;
      channel = text.charCodeAt(0) - 48;
      payload = Buffer.from(text.slice(1), 'base64');
    }
    // Only the data channels (even) are read; the error channels are the server's to write.
    const stream = channel % 2 === 0 ? incoming[channel / 2] : undefined;
    if (!stream || stream.writableEnded) return;
    // A target that does not keep up holds the WebSocket's reading (backpressure to the client).
    if (!stream.write(payload)) {
      ws.pause();
      stream.once('drain', () => ws.resume());
    }
  });
  const gone = new AbortController();
  const endAll = (): void => {
    for (const stream of incoming) stream.end();
    gone.abort();
  };
  ws.on('close', endAll);
  ws.on('error', endAll);

  const forwards = ports.map(async (port, i) => {
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16LE(port);
    await send(2 * i, portBytes);
    await send(2 * i + 1, portBytes);
    await forwardPort(pod, port, {
      incoming: incoming[i]!,
      write: (chunk) => send(2 * i, chunk),
      // A channel has no end of its own in v4: the connection closes when every port is done.
      end: () => Promise.resolve(),
      error: (message) => send(2 * i + 1, Buffer.from(message)),
      gone: gone.signal,
    });
  });
  void Promise.allSettled(forwards).then(() => ws.close(1000));
}
