/**
 * Writing a long response body in pieces with backpressure: a piece is written, and the next one
 * waits until the socket has taken the last (its 'drain'), so a client that reads slowly, or not
 * at all, holds the server to one piece's worth of memory instead of the whole body. Between
 * pieces the event loop gets a turn, so other requests are served meanwhile.
 */
import type { ServerResponse } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fairTurn } from '../fair-turns.js';

/** Pieces of at least this size wait for a fair turn before they are written (fair-turns.ts). */
const FAIR_TURN_BYTES = 64 * 1024;

/** How long a client may take no data before its response is abandoned (kube-apiserver's request timeout). */
const STALL_MS = 60_000;

/** The client went away, or stopped reading, before the body was written. */
export class ClientGone extends Error {
  constructor(reason = 'the client closed the connection') {
    super(reason);
  }
}

export class BodyWriter {
  readonly #response: ServerResponse;
  readonly #stallMs: number;
  #closed = false;

  constructor(response: ServerResponse, stallMs = STALL_MS) {
    this.#response = response;
    this.#stallMs = stallMs;
    response.once('close', () => (this.#closed = true));
  }

  /** Whether the client is gone (or the response was ended). */
  get closed(): boolean {
    return this.#closed || this.#response.destroyed || this.#response.writableEnded;
  }

  /**
   * Writes `pieces`, then waits until more may be written.
   * @throws ClientGone when the client went away or took nothing for a minute
   */
  async write(pieces: readonly (string | Buffer)[]): Promise<void> {
    if (this.closed) throw new ClientGone();
    const bytes = pieces.reduce((sum, piece) => sum + piece.length, 0);
    // A big piece waits for its turn among the other long responses, so that short requests (a
    // small list, a Lease renewal) are served between them; a small one goes at once.
    if (bytes >= FAIR_TURN_BYTES) {
      await fairTurn();
      if (this.closed) throw new ClientGone();
    }
    let full = false;
    for (const piece of pieces) {
      if (!this.#response.write(piece)) full = true;
    }
    if (full && !this.closed) await this.#drained();
    else if (bytes < FAIR_TURN_BYTES) await nextTurn();
    if (this.closed) throw new ClientGone();
  }

  /** Ends the body with `tail`. */
  end(tail: string): void {
    if (!this.closed) this.#response.end(tail);
  }

  #drained(): Promise<void> {
    const response = this.#response;
    return new Promise((resolve, reject) => {
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        response.off('drain', onDrain);
        response.off('close', onClose);
        if (error) reject(error);
        else resolve();
      };
      const onDrain = (): void => finish();
      const onClose = (): void => finish(new ClientGone());
      const timer = setTimeout(() => {
        // A reader that stopped holds a store snapshot and a seat: let both go, as the
        // API server's request timeout would.
        response.destroy();
        finish(new ClientGone('the client read nothing for a minute'));
      }, this.#stallMs);
      response.on('drain', onDrain);
      response.on('close', onClose);
    });
  }
}
