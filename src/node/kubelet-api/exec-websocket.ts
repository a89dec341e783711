/**
 * Exec over WebSocket, as kubectl 1.30+ speaks it: the `v5.channel.k8s.io` (or `v4`) subprotocol,
 * binary messages whose first byte is the channel (0 stdin, 1 stdout, 2 stderr, 3 error,
 * 4 resize), and in v5 a close message (channel 255, then the channel closed) that ends stdin.
 * The framing itself is the `ws` library's.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { PassThrough, Writable } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { parseTerminalSize, runCommand, TerminalSizes, type ExecRequest, type ExecStreams } from './exec-session.js';

export const WEBSOCKET_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const CLOSE = 255;

/** Runs `run` for one WebSocket exec; `run` resolves to the exit code. */
export class WebSocketExec {
  readonly #server = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => WEBSOCKET_PROTOCOLS.find((p) => offered.has(p)) ?? false,
  });

  /** Whether the request offers a subprotocol this server speaks. */
  static accepts(request: IncomingMessage): boolean {
    const offered = String(request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    return request.headers.upgrade?.toLowerCase() === 'websocket' && offered.some((p) => WEBSOCKET_PROTOCOLS.includes(p));
  }

  serve(request: IncomingMessage, socket: Duplex, head: Buffer, exec: ExecRequest, run: (streams: ExecStreams) => Promise<number>): void {
    this.#server.handleUpgrade(request, socket, head, (ws) => { void session(ws, exec, run); });
  }
}

async function session(ws: WebSocket, exec: ExecRequest, run: (streams: ExecStreams) => Promise<number>): Promise<void> {
  const v5 = ws.protocol === 'v5.channel.k8s.io';
  const stdin = exec.stdin ? new PassThrough() : undefined;
  const sizes = new TerminalSizes();
  const send = (channel: number, data: Buffer | string): void => {
    if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), Buffer.isBuffer(data) ? data : Buffer.from(data)]));
  };
  const channelWriter = (channel: number): Writable => new Writable({
    write(chunk: Buffer, _encoding, done) { send(channel, chunk); done(); },
  });

  ws.on('message', (data: Buffer, isBinary) => {
    const message = isBinary ? data : Buffer.from(data);
    if (message.length === 0) return;
    const channel = message[0]!;
    const payload = message.subarray(1);
    if (channel === STDIN) stdin?.write(payload);
    else if (channel === RESIZE) {
      const size = parseTerminalSize(payload.toString('utf8'));
      if (size) sizes.resized(size);
    } else if (v5 && channel === CLOSE && payload[0] === STDIN) stdin?.end();
  });
  ws.on('close', () => stdin?.end());
  ws.on('error', () => stdin?.end());

  const stdout = exec.stdout ? channelWriter(STDOUT) : undefined;
  const stderr = exec.stderr ? channelWriter(STDERR) : undefined;
  const status = await runCommand(exec, run, {
    ...(stdin ? { stdin } : {}), ...(stdout ? { stdout } : {}), ...(stderr ? { stderr } : {}),
    onResize: (listener) => sizes.listen(listener),
    onClose: (listener) => ws.once('close', listener),
  });
  // The close (1000) after the status tells kubectl it is over.
  send(ERROR, JSON.stringify(status));
  ws.close(1000);
}
