/**
 * The client side of SPDY/3.1 as Go's spdystream speaks it to a kubelet, by hand, for tests of
 * the framing: the upgrade, SYN_STREAM with a header block compressed by the connection's shared
 * zlib context, DATA with FIN, and what comes back (SYN_REPLY, DATA, RST_STREAM) per stream.
 */
import { connect, type TLSSocket } from 'node:tls';
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { SPDY3_DICTIONARY } from '../../src/node/kubelet-api/spdy-dictionary.js';

export interface ClientStream {
  id: number;
  replied: boolean;
  reset?: number;
  data: Buffer;
  finished: boolean;
}

export class SpdyClient {
  readonly streams = new Map<number, ClientStream>();
  #nextId = 1;
  #buffer = Buffer.alloc(0);
  readonly #deflate: Deflate = createDeflate({ dictionary: SPDY3_DICTIONARY });
  readonly #inflate: Inflate = createInflate({ dictionary: SPDY3_DICTIONARY });
  #headerQueue: Promise<unknown> = Promise.resolve();
  #waiters: (() => void)[] = [];

  private constructor(readonly socket: TLSSocket) {}

  /**
   * Connects and upgrades; resolves with the client, or rejects with the status line and body of
   * a refusal.
   */
  static open(options: { port: number; ca: string; cert: string; key: string; path: string; protocols?: string[] }): Promise<SpdyClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: options.port, ca: options.ca, cert: options.cert, key: options.key, servername: '' }, () => {
        const protocols = (options.protocols ?? ['portforward.k8s.io']).map((p) => `X-Stream-Protocol-Version: ${p}\r\n`).join('');
        socket.write(`POST ${options.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n${protocols}Content-Length: 0\r\n\r\n`);
      });
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        const response = head.subarray(0, end).toString('utf8');
        if (!response.startsWith('HTTP/1.1 101')) {
          socket.on('end', () => reject(new Error(head.toString('utf8'))));
          return;
        }
        socket.off('data', onData);
        const client = new SpdyClient(socket);
        socket.on('data', (data: Buffer) => client.#receive(data));
        client.#receive(head.subarray(end + 4));
        resolve(client);
      };
      socket.on('data', onData);
      socket.on('error', reject);
    });
  }

  /** Opens a stream with these headers (SYN_STREAM); its id. */
  async open(headers: Record<string, string>): Promise<number> {
    const id = this.#nextId;
    this.#nextId += 2;
    this.streams.set(id, { id, replied: false, data: Buffer.alloc(0), finished: false });
    const block = await this.#compress(headerBlock(headers));
    const body = Buffer.alloc(10);
    body.writeUInt32BE(id, 0);
    this.socket.write(control(1, 0, Buffer.concat([body, block])));
    return id;
  }

  /** Sends data on a stream, with FIN when `fin`. */
  send(id: number, data: Buffer, fin = false): void {
    const header = Buffer.alloc(8);
    header.writeUInt32BE(id, 0);
    header.writeUInt32BE(data.length, 4);
    header[4] = fin ? 1 : 0;
    this.socket.write(Buffer.concat([header, data]));
  }

  /** Waits until `check` holds for what has arrived. */
  async until(check: () => boolean, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out; streams: ${JSON.stringify([...this.streams.values()].map((s) => ({ ...s, data: s.data.toString('utf8') })))}`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  close(): void {
    this.socket.destroy();
    this.#deflate.close();
    this.#inflate.close();
  }

  #compress(block: Buffer): Promise<Buffer> {
    const step = this.#headerQueue.then(() => zlibStep(this.#deflate, block));
    this.#headerQueue = step.catch(() => {});
    return step;
  }

  #receive(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    while (this.#buffer.length >= 8) {
      const length = this.#buffer.readUIntBE(5, 3);
      if (this.#buffer.length < 8 + length) break;
      const frame = this.#buffer.subarray(0, 8 + length);
      this.#buffer = this.#buffer.subarray(8 + length);
      const flags = frame[4]!;
      const body = frame.subarray(8);
      if ((frame[0]! & 0x80) === 0) {
        const stream = this.streams.get(frame.readUInt32BE(0) & 0x7fffffff);
        if (stream) {
          stream.data = Buffer.concat([stream.data, body]);
          if (flags & 1) stream.finished = true;
        }
      } else {
        const type = frame.readUInt16BE(2);
        const stream = this.streams.get(body.readUInt32BE(0) & 0x7fffffff);
        // SYN_REPLY: its (empty) header block still goes through the shared context.
        if (type === 2) {
          void zlibStep(this.#inflate, body.subarray(4));
          if (stream) stream.replied = true;
        }
        if (type === 3 && stream) stream.reset = body.readUInt32BE(4);
      }
    }
    for (const waiter of this.#waiters.splice(0)) waiter();
  }
}

function control(type: number, flags: number, body: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16BE(0x8003, 0);
  header.writeUInt16BE(type, 2);
  header.writeUInt32BE(body.length, 4);
  header[4] = flags;
  return Buffer.concat([header, body]);
}

function headerBlock(headers: Record<string, string>): Buffer {
  const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const parts = [u32(Object.keys(headers).length)];
  for (const [name, value] of Object.entries(headers)) parts.push(u32(Buffer.byteLength(name)), Buffer.from(name), u32(Buffer.byteLength(value)), Buffer.from(value));
  return Buffer.concat(parts);
}

function zlibStep(z: Inflate | Deflate, input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    z.once('error', reject);
    z.write(input);
    z.flush(constants.Z_SYNC_FLUSH, () => {
      z.off('error', reject);
      const parts: Buffer[] = [];
      for (let part = z.read() as Buffer | null; part !== null; part = z.read() as Buffer | null) parts.push(part);
      resolve(Buffer.concat(parts));
    });
  });
}
