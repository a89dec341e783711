/**
 * The client side of a monitor's attach socket (STATE_DIR/attach.sock, see hostpod-monitor.c):
 * frames of a type byte, a big-endian 32-bit length and the payload. The monitor sends '1'
 * (stdout) and '2' (stderr) as the workload writes; the client sends '0' (stdin bytes), 'c'
 * (close the workload's stdin) and 'r' (a terminal size, columns and rows as 16-bit numbers).
 */
import { closeSync, openSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

/** The largest frame the monitor reads (its FRAME_MAX). */
const FRAME_MAX = 32 * 1024;

export type OutputStream = 'stdout' | 'stderr';

/** One attachment to a running container. */
export interface ContainerAttach {
  /** Receives what the workload writes from the moment of attaching (a terminal's output is stdout). */
  onOutput(listener: (stream: OutputStream, chunk: Buffer) => void): void;
  /** Resolves when the attachment ends: the container ended, or `close` was called. */
  readonly ended: Promise<void>;
  /** Bytes for the workload's stdin (dropped for a container without stdin). */
  write(chunk: Buffer): void;
  /** Closes the workload's stdin for good: it reads EOF (stdinOnce). A terminal stays open. */
  closeStdin(): void;
  /** The terminal's size (a container with tty); SIGWINCH tells the workload. */
  resize(columns: number, rows: number): void;
  close(): void;
}

/**
 * Connects to the monitor's socket in `stateDir`.
 * @throws the connect error (ENOENT: no socket, the monitor predates attach or has ended; ECONNREFUSED: it has ended)
 */
export async function attachMonitor(stateDir: string): Promise<ContainerAttach> {
  // A socket path may hold 107 bytes; the state directory's may be longer. Its descriptor's is not.
  const dir = openSync(stateDir, 'r');
  let socket: Socket;
  try {
    socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(`/proc/self/fd/${dir}/attach.sock`);
      s.once('connect', () => { s.off('error', reject); resolve(s); });
      s.once('error', reject);
    });
  } finally {
    closeSync(dir);
  }
  return new MonitorAttach(socket);
}

class MonitorAttach implements ContainerAttach {
  readonly ended: Promise<void>;
  readonly #listeners: ((stream: OutputStream, chunk: Buffer) => void)[] = [];
  #buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly socket: Socket) {
    this.ended = new Promise((resolve) => {
      socket.on('close', () => resolve());
    });
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
  }

  onOutput(listener: (stream: OutputStream, chunk: Buffer) => void): void {
    this.#listeners.push(listener);
  }

  write(chunk: Buffer): void {
    for (let at = 0; at < chunk.length; at += FRAME_MAX) this.#send('0', chunk.subarray(at, at + FRAME_MAX));
  }

  closeStdin(): void {
    this.#send('c', Buffer.alloc(0));
  }

  resize(columns: number, rows: number): void {
    const size = Buffer.alloc(4);
    size.writeUInt16BE(Math.max(0, Math.min(0xffff, Math.floor(columns))), 0);
    size.writeUInt16BE(Math.max(0, Math.min(0xffff, Math.floor(rows))), 2);
    this.#send('r', size);
  }

  close(): void {
    // end() sends what was written (a closeStdin just before) before the connection goes.
    this.socket.end();
    this.socket.destroySoon();
  }

  #send(type: string, payload: Buffer): void {
    if (this.socket.destroyed || this.socket.writableEnded) return;
    const header = Buffer.alloc(5);
    header.write(type, 0, 'latin1');
    header.writeUInt32BE(payload.length, 1);
    this.socket.write(Buffer.concat([header, payload]));
  }

  #receive(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    while (this.#buffer.length >= 5) {
      const length = this.#buffer.readUInt32BE(1);
      if (this.#buffer.length < 5 + length) break;
      const type = this.#buffer[0];
      const payload = this.#buffer.subarray(5, 5 + length);
      this.#buffer = this.#buffer.subarray(5 + length);
      const stream = type === 0x31 ? 'stdout' : type === 0x32 ? 'stderr' : undefined;
      if (stream) for (const listener of this.#listeners) listener(stream, payload);
    }
  }
}
