/**
 * Turns of the event loop for long work (the pieces of big lists and initial watch lists). A
 * piece of work that yields with `setImmediate` runs again in the next check phase together with
 * every other yielded piece: with 200 watches sending a large list at once, one check phase would
 * write them all, and the requests waiting on sockets (a Lease renewal, `kubectl get ns`) would
 * wait for the whole batch. Here each turn lets only a few pieces go on, so the poll phase, and
 * with it every short request, gets its turn between them.
 */

/** Pieces of long work that may go on per turn of the event loop. */
const PIECES_PER_TURN = 4;

const waiting: (() => void)[] = [];
let scheduled = false;

function runTurn(): void {
  scheduled = false;
  for (let i = 0; i < PIECES_PER_TURN && waiting.length > 0; i++) waiting.shift()?.();
  if (waiting.length > 0) schedule();
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  // An immediate queued from inside the check phase runs in the next loop iteration, after poll.
  setImmediate(runTurn);
}

/** Resolves when this piece of long work may go on: after other requests had their turn. */
export function fairTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    schedule();
  });
}
