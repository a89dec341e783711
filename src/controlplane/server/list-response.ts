/**
 * A list response written as it is read: the list's head, then each item as the store snapshot
 * yields it, then its tail, with no Content-Length (chunked). The content is the same as the
 * whole list's encoding; only memory and the time to the first byte differ.
 */
import type { ServerResponse } from 'node:http';
import type { ListStream } from '../api/list-stream.js';
import { BodyWriter, ClientGone } from './body-writer.js';
import type { ListFormat } from './representations.js';

/** Sends `stream` in `format`, and closes it. A client that leaves midway ends the read quietly. */
export async function sendList(response: ServerResponse, stream: ListStream, format: ListFormat): Promise<void> {
  try {
    response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    const writer = new BodyWriter(response);
    let separator = '';
    let pieces: string[] = [format.head];
    for (;;) {
      const piece = stream.take();
      for (const item of piece.items) {
        pieces.push(separator + format.item(item));
        separator = ',';
      }
      if (piece.done) {
        pieces.push(format.tail);
        writer.end(pieces.join(''));
        return;
      }
      await writer.write(pieces);
      pieces = [];
    }
  } catch (error) {
    if (!(error instanceof ClientGone)) throw error;
  } finally {
    stream.close();
  }
}
