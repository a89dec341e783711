/**
 * The server side of a SPDY/3.1 connection, as far as Kubernetes' streaming protocols use it
 * (kubectl before 1.30 runs exec over SPDY): the client opens streams with SYN_STREAM, the server
 * answers each with SYN_REPLY, data flows both ways in DATA frames until FIN, and PINGs are echoed.
 *
 * Written by hand: the one npm implementation (spdy-transport) refuses the SYN_STREAMs that Go's
 * spdystream sends (no `:method`/`:path`) and enforces a send window that spdystream never opens
 * (it has no flow control), so it would need its internals patched. This subset is small.
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { PassThrough } from 'node:stream';
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { SPDY3_DICTIONARY } from './spdy-dictionary.js';

const VERSION = 3;
const TYPE = { SYN_STREAM: 1, SYN_REPLY: 2, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, HEADERS: 8, WINDOW_UPDATE: 9 } as const;
const FLAG_FIN = 0x01;
/** DATA frames are cut to this size (the length field allows 16 MiB; smaller keeps latency low). */
const MAX_DATA = 32 * 1024;

/** A stream the client opened. */
export class SpdyStream {
  /** What the client sends on the stream; ends at its FIN or reset. */
  readonly incoming = new PassThrough();
  #finished = false;

  constructor(private readonly connection: SpdyConnection, readonly id: number, readonly headers: Readonly<Record<string, string>>) {}

  /** Accepts the stream (SYN_REPLY, no headers). */
  reply(): Promise<void> {
    return this.connection.sendHeaders(TYPE.SYN_REPLY, this.id, {});
  }

  /** Sends data; resolves once the socket has taken it. */
  write(data: Buffer): Promise<void> {
    if (this.#finished) return Promise.resolve();
    return this.connection.sendData(this.id, data, false);
  }

  /** Refuses the stream (RST_STREAM, REFUSED_STREAM): a stream whose headers are not acceptable. */
  refuse(): Promise<void> {
    this.#finished = true;
    this.incoming.end();
    return this.connection.sendReset(this.id, 3);
  }

  /** Sends the last data with FIN. */
  end(data: Buffer = Buffer.alloc(0)): Promise<void> {
    if (this.#finished) return Promise.resolve();
    this.#finished = true;
    if (this.incoming.writableEnded) this.connection.forget(this.id);
    return this.connection.sendData(this.id, data, true);
  }

  /** Whether this side has sent its FIN (or refused the stream). */
  get finished(): boolean {
    return this.#finished;
  }
}

export interface SpdyConnectionEvents {
  stream: [SpdyStream];
  close: [];
}

export class SpdyConnection extends EventEmitter<SpdyConnectionEvents> {
  readonly #streams = new Map<number, SpdyStream>();
  readonly #inflate: Inflate = createInflate({ dictionary: SPDY3_DICTIONARY });
  readonly #deflate: Deflate = createDeflate({ dictionary: SPDY3_DICTIONARY });
  #buffer: Buffer = Buffer.alloc(0);
  /** Frames are handled one after another, and sent one after another: header blocks share a zlib context per direction. */
  #inbound: Promise<void> = Promise.resolve();
  #outbound: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(private readonly socket: Duplex, head: Buffer) {
    super();
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('close', () => this.#close());
    // An HTTP server's sockets allow half-open connections, and a SPDY connection has no use for
    // one: the client's end is the connection's.
    socket.on('end', () => {
      this.#close();
      socket.end();
    });
    socket.on('error', () => this.#close());
    if (head.length > 0) this.#receive(head);
  }

  /** Ends the connection: GOAWAY, then the socket. */
  close(): void {
    if (this.#closed) return;
    const goaway = Buffer.alloc(8);
    void this.#queue(() => this.#write(controlFrame(TYPE.GOAWAY, 0, goaway)).then(() => { this.socket.end(); }));
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** @internal */
  sendHeaders(type: number, streamId: number, headers: Record<string, string>): Promise<void> {
    return this.#queue(async () => {
      const block = await zlibStep(this.#deflate, encodeHeaderBlock(headers));
      const body = Buffer.alloc(4);
      body.writeUInt32BE(streamId & 0x7fffffff);
      await this.#write(controlFrame(type, 0, Buffer.concat([body, block])));
    });
  }

  /**
   * Drops a stream closed both ways from the connection's table, so that a long connection with
   * many streams (a port-forward serving many requests) does not keep them all.
   * @internal
   */
  forget(streamId: number): void {
    this.#streams.delete(streamId);
  }

  /** @internal */
  sendReset(streamId: number, status: number): Promise<void> {
    const body = Buffer.alloc(8);
    body.writeUInt32BE(streamId & 0x7fffffff, 0);
    body.writeUInt32BE(status, 4);
    return this.#queue(() => this.#write(controlFrame(TYPE.RST_STREAM, 0, body)));
  }

  /** @internal */
  sendData(streamId: number, data: Buffer, fin: boolean): Promise<void> {
    return this.#queue(async () => {
      let offset = 0;
      do {
        const piece = data.subarray(offset, offset + MAX_DATA);
        offset += piece.length;
        const last = offset >= data.length;
        await this.#write(dataFrame(streamId, fin && last ? FLAG_FIN : 0, piece));
      } while (offset < data.length);
    });
  }

  #queue(task: () => Promise<void>): Promise<void> {
    const next = this.#outbound.then(() => (this.#closed ? undefined : task()));
    this.#outbound = next.catch(() => {});
    return next;
  }

  #write(frame: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.#closed || !this.socket.writable) return resolve();
      this.socket.write(frame, (error) => (error ? reject(error) : resolve()));
    });
  }

  #receive(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    while (this.#buffer.length >= 8) {
      const length = this.#buffer.readUIntBE(5, 3);
      if (this.#buffer.length < 8 + length) break;
      const frame = this.#buffer.subarray(0, 8 + length);
      this.#buffer = this.#buffer.subarray(8 + length);
      this.#inbound = this.#inbound.then(() => this.#frame(frame)).catch(() => this.destroy());
    }
  }

  async #frame(frame: Buffer): Promise<void> {
    const flags = frame[4]!;
    const body = frame.subarray(8);
    if ((frame[0]! & 0x80) === 0) {
      const stream = this.#streams.get(frame.readUInt32BE(0) & 0x7fffffff);
      // Data after the stream's end (its FIN, a reset) has nowhere to go.
      if (!stream || stream.incoming.writableEnded) return;
      // A reader that does not keep up holds the connection's reading, as spdystream's full
      // stream buffers do: what the client sends waits in its socket, not in this process.
      if (body.length > 0 && !stream.incoming.write(body)) await this.#drained(stream);
      if (flags & FLAG_FIN) {
        stream.incoming.end();
        if (stream.finished) this.#streams.delete(stream.id);
      }
      return;
    }
    const version = frame.readUInt16BE(0) & 0x7fff;
    if (version !== VERSION) throw new Error(`SPDY version ${version} is not spoken here`);
    switch (frame.readUInt16BE(2)) {
      case TYPE.SYN_STREAM: {
        const id = body.readUInt32BE(0) & 0x7fffffff;
        const headers = decodeHeaderBlock(await zlibStep(this.#inflate, body.subarray(10)));
        const stream = new SpdyStream(this, id, headers);
        this.#streams.set(id, stream);
        if (flags & FLAG_FIN) stream.incoming.end();
        this.emit('stream', stream);
        return;
      }
      case TYPE.HEADERS:
      case TYPE.SYN_REPLY:
        // Keep the shared zlib context in step; Kubernetes' protocols put nothing here.
        await zlibStep(this.#inflate, body.subarray(4));
        return;
      case TYPE.RST_STREAM:
        this.#streams.get(body.readUInt32BE(0) & 0x7fffffff)?.incoming.end();
        return;
      case TYPE.PING:
        void this.#queue(() => this.#write(frame));
        return;
      case TYPE.GOAWAY:
        for (const stream of this.#streams.values()) stream.incoming.end();
        return;
      default:
        // SETTINGS and WINDOW_UPDATE: Go's spdystream has no flow control, and neither has this side.
        return;
    }
  }

  /** Pauses reading until the stream's reader has taken what it has, or the stream or connection is gone. */
  async #drained(stream: SpdyStream): Promise<void> {
    this.socket.pause();
    await new Promise<void>((resolve) => {
      const done = (): void => {
        stream.incoming.off('drain', done).off('close', done);
        this.off('close', done);
        resolve();
      };
      stream.incoming.once('drain', done).once('close', done);
      this.once('close', done);
    });
    if (!this.#closed) this.socket.resume();
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const stream of this.#streams.values()) stream.incoming.end();
    this.#inflate.close();
    this.#deflate.close();
    this.emit('close');
  }
}

function controlFrame(type: number, flags: number, body: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16BE(0x8000 | VERSION, 0);
  header.writeUInt16BE(type, 2);
  header.writeUInt32BE(body.length, 4);
  header[4] = flags;
  return Buffer.concat([header, body]);
}

function dataFrame(streamId: number, flags: number, body: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(streamId & 0x7fffffff, 0);
  header.writeUInt32BE(body.length, 4);
  header[4] = flags;
  return Buffer.concat([header, body]);
}

/** A name/value block: a count, then length-prefixed names and values (several values NUL-separated). */
function encodeHeaderBlock(headers: Record<string, string>): Buffer {
  const parts: Buffer[] = [u32(Object.keys(headers).length)];
  for (const [name, value] of Object.entries(headers)) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(value, 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

function decodeHeaderBlock(block: Buffer): Record<string, string> {
  const headers: Record<string, string> = {};
  let offset = 4;
  const count = block.readUInt32BE(0);
  for (let i = 0; i < count; i++) {
    const nameLength = block.readUInt32BE(offset);
    const name = block.toString('utf8', offset + 4, offset + 4 + nameLength);
    offset += 4 + nameLength;
    const valueLength = block.readUInt32BE(offset);
    headers[name] = block.toString('utf8', offset + 4, offset + 4 + valueLength).split('\0').join(', ');
    offset += 4 + valueLength;
  }
  return headers;
}

function u32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value);
  return buffer;
}

/**
 * Runs one header block through a zlib context shared by the whole connection: write it, sync
 * flush (as SPDY requires), then read what came out.
 */
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
