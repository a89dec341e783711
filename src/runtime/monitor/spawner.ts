/**
 * Starts monitors through one small `hostpod-monitor spawner` per thread (run_spawner in
 * hostpod-monitor.c) rather than forking hostpod for each: fork() costs in proportion to the
 * forking process's memory (3 ms for a Node process of 44 MiB, 7 ms at 196 MiB on the
 * development machine), and the node agent starts a monitor per container. The spawner is
 * started on first use, does not keep hostpod running, and is started again if it ends.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { monitorBinary } from './binary.js';

type Waiting = { resolve: (report: string) => void; reject: (error: Error) => void };

/** The spawner ended with starts unanswered: each may or may not have started its monitor. */
export class SpawnerEnded extends Error {
  override readonly name = 'SpawnerEnded';
}

class Spawner {
  readonly #child: ChildProcessByStdio<Writable, Readable, null>;
  readonly #waiting = new Map<string, Waiting>();
  #next = 0;
  #ended: Error | undefined;

  constructor(onEnd: (spawner: Spawner) => void) {
    // Its own process group (detached): a Ctrl-C meant for hostpod, which stops gracefully, must
    // not end the spawner in the middle of a start. It ends when its stdin closes.
    const binary = monitorBinary();
    this.#child = spawn(binary, ['spawner', binary], { stdio: ['pipe', 'pipe', 'ignore'], detached: true });
    const fail = (error: Error): void => {
      if (this.#ended) return;
      this.#ended = error;
      onEnd(this);
      for (const waiting of this.#waiting.values()) waiting.reject(error);
      this.#waiting.clear();
    };
    this.#child.once('error', fail);
    // 'close', not 'exit': the answers it wrote before it ended are read first.
    this.#child.once('close', (code, signal) => fail(new SpawnerEnded(`the monitor spawner ended (${signal ?? `exit code ${String(code)}`})`)));
    this.#child.stdin.on('error', () => undefined);
    createInterface({ input: this.#child.stdout }).on('line', (line) => {
      const space = line.indexOf(' ');
      const waiting = this.#waiting.get(line.slice(0, space));
      if (!waiting) return;
      this.#waiting.delete(line.slice(0, space));
      waiting.resolve(line.slice(space + 1));
      this.#hold();
    });
    this.#hold();
  }

  /** The monitor's report line for `stateDir` ("ok INIT_PID STARTED_NS", "error MESSAGE"), or "exited" when it ended without one. */
  start(stateDir: string): Promise<string> {
    if (this.#ended) return Promise.reject(this.#ended);
    const id = String(this.#next++);
    return new Promise<string>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#hold();
      this.#child.stdin.write(`${id} ${stateDir}\n`);
    });
  }

  /** Keeps hostpod's event loop alive only while a start waits for its answer. */
  #hold(): void {
    const busy = this.#waiting.size > 0;
    for (const handle of [this.#child, this.#child.stdout, this.#child.stdin] as { ref(): void; unref(): void }[]) {
      if (busy) handle.ref();
      else handle.unref();
    }
  }
}

let shared: Spawner | undefined;

/**
 * Starts `hostpod-monitor start STATE_DIR` in its own session, with stdin /dev/null and stderr
 * appended to STATE_DIR/monitor.log, and resolves with its report line.
 */
export function spawnMonitor(stateDir: string): Promise<string> {
  if (stateDir.includes('\n') || !stateDir.startsWith('/')) return Promise.reject(new Error(`a container's state directory must be an absolute path on one line: ${JSON.stringify(stateDir)}`));
  shared ??= new Spawner((ended) => {
    if (shared === ended) shared = undefined;
  });
  return shared.start(stateDir);
}
