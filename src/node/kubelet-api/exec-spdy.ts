/**
 * Exec over SPDY/3.1, as kubectl before 1.30 speaks it (and 1.30+ when WebSocket is refused): the
 * stream protocol `v4.channel.k8s.io` (or `v5`) chosen from `X-Stream-Protocol-Version`, then one
 * client-opened stream per `streamtype` (error, stdin, stdout, stderr, resize). The command
 * starts once every expected stream has been accepted, and the exit `Status` goes on `error`.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Writable } from 'node:stream';
import { parseTerminalSize, runCommand, TerminalSizes, type ExecRequest, type ExecStreams } from './exec-session.js';
import { SpdyConnection, type SpdyStream } from './spdy-connection.js';

/** The stream protocols spoken, best first; both send the exit status as a JSON `Status`. */
const STREAM_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
/** How long the client has to open its streams (the kubelet's stream-creation timeout). */
const STREAMS_TIMEOUT_MS = 30_000;

export class SpdyExec {
  static accepts(request: IncomingMessage): boolean {
    return /^spdy\/3\.1$/i.test(request.headers.upgrade ?? '');
  }

  serve(request: IncomingMessage, socket: Duplex, head: Buffer, exec: ExecRequest, run: (streams: ExecStreams) => Promise<number>): void {
    const offered = String(request.headers['x-stream-protocol-version'] ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');
    const protocol = offered.find((p) => STREAM_PROTOCOLS.includes(p));
    if (!protocol) {
      const message = `unable to upgrade: none of the offered stream protocols [${offered.join(' ')}] is supported; this kubelet speaks ${STREAM_PROTOCOLS.join(', ')}`;
      socket.end(`HTTP/1.1 403 Forbidden\r\nX-Accepted-Stream-Protocol-Versions: ${STREAM_PROTOCOLS.join(', ')}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(message)}\r\nConnection: close\r\n\r\n${message}`);
      return;
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`);
    void session(new SpdyConnection(socket, head), exec, run);
  }
}

/** The stream types the client opens for `exec`. */
function expectedStreams(exec: ExecRequest): string[] {
  return ['error', ...(exec.stdin ? ['stdin'] : []), ...(exec.stdout ? ['stdout'] : []), ...(exec.stderr ? ['stderr'] : []), ...(exec.tty ? ['resize'] : [])];
}

async function session(connection: SpdyConnection, exec: ExecRequest, run: (streams: ExecStreams) => Promise<number>): Promise<void> {
  const streams = await acceptStreams(connection, expectedStreams(exec));
  if (!streams) {
    connection.destroy();
    return;
  }
  const sizes = new TerminalSizes();
  const resize = streams.get('resize');
  if (resize) {
    let pending = '';
    resize.incoming.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      // Each size is a JSON object followed by a newline.
      for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
        const size = parseTerminalSize(pending.slice(0, end));
        pending = pending.slice(end + 1);
        if (size) sizes.resized(size);
      }
    });
  }
  for (const [type, stream] of streams) if (type !== 'stdin' && type !== 'resize') stream.incoming.resume();

  const stdin = streams.get('stdin')?.incoming;
  const stdout = streams.get('stdout') && streamWriter(streams.get('stdout')!);
  const stderr = streams.get('stderr') && streamWriter(streams.get('stderr')!);
  const status = await runCommand(exec, run, {
    ...(stdin ? { stdin } : {}), ...(stdout ? { stdout } : {}), ...(stderr ? { stderr } : {}),
    onResize: (listener) => sizes.listen(listener),
    onClose: (listener) => connection.on('close', listener),
  });
  await streams.get('error')!.end(Buffer.from(JSON.stringify(status)));
  // The client resets the streams, says GOAWAY and closes; a client that does not is closed here.
  setTimeout(() => connection.close(), 5_000).unref();
}

/**
 * Accepts the client's streams as they are opened, until each expected type has come; undefined
 * when they do not come in time or the connection ends first.
 */
function acceptStreams(connection: SpdyConnection, expected: readonly string[]): Promise<Map<string, SpdyStream> | undefined> {
  return new Promise((resolve) => {
    const streams = new Map<string, SpdyStream>();
    const timer = setTimeout(() => resolve(undefined), STREAMS_TIMEOUT_MS);
    connection.on('close', () => { clearTimeout(timer); resolve(undefined); });
    connection.on('stream', (stream) => {
      const type = stream.headers['streamtype'] ?? '';
      if (!expected.includes(type) || streams.has(type)) {
        stream.incoming.resume();
        return;
      }
      streams.set(type, stream);
      // Each reply is written before any data: the client opens its streams one at a time,
      // waiting for each reply, and does not read data until all are open.
      void stream.reply().then(() => {
        if (streams.size === expected.length) {
          clearTimeout(timer);
          resolve(streams);
        }
      });
    });
  });
}

/** A stream's data as a Writable: each write waits for the socket (backpressure); the end sends FIN. */
function streamWriter(stream: SpdyStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      stream.write(chunk).then(() => done(), done);
    },
    final(done) {
      stream.end().then(() => done(), done);
    },
  });
}
