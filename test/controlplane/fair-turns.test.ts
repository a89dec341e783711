/**
 * Fair turns: pieces of long work (big lists, initial watch lists) go on a few per turn of the
 * event loop, so that a short request waiting on its socket is served between them rather than
 * after all of them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fairTurn } from '../../src/controlplane/fair-turns.js';

test('fair turns let I/O in between the pieces of 40 long works, not after all of them', async () => {
  let pieces = 0;
  let piecesBeforeIo: number | undefined;
  const work = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) {
      await fairTurn();
      pieces++;
    }
  };
  const works = Array.from({ length: 40 }, () => work());
  // A timer stands for a request's socket becoming readable: both wait for the loop's next iteration.
  setTimeout(() => (piecesBeforeIo = pieces), 0);
  await Promise.all(works);
  assert.equal(pieces, 200);
  assert.ok(piecesBeforeIo !== undefined && piecesBeforeIo <= 8, `I/O waited for ${String(piecesBeforeIo)} pieces of long work`);
});
