/**
 * The node agent of `hostpod up` on a thread of its own. The control plane and the agent each get
 * an event loop and a core, as kube-apiserver and the kubelet are processes of their own: a burst
 * of pods no longer makes each API request wait behind the agent's container starts and volume
 * writes. The two still speak only through the Kubernetes API (HTTPS on loopback); the thread
 * sends its log lines and stderr here, and stops when asked.
 *
 * The thread runs the same bundle as the command (bin/hostpod.js loads it, with its code cache),
 * and calls `serveAgentThread` in it.
 */
import { fileURLToPath } from 'node:url';
import { Writable, PassThrough } from 'node:stream';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { HostpodError } from '../errors.js';
import type { StartAgentOptions } from './agent-handler.js';
import { jsonLog, type CommandIO, type JsonLog } from './io.js';

/** What the thread needs to start the agent: everything but its output, which comes here. */
export type AgentThreadOptions = Omit<StartAgentOptions, 'io' | 'log'>;

type FromAgent =
  | { type: 'stderr'; text: string }
  | { type: 'ready' }
  | { type: 'failed'; error: { message: string; code?: string; hint?: string } }
  | { type: 'stopped' };

type ToAgent = { type: 'stop' };

const BIN = fileURLToPath(new URL('../../bin/hostpod.js', import.meta.url));

export class AgentThread {
  readonly #worker: Worker;
  readonly #exited: Promise<number>;
  readonly #state: { stopping: boolean };
  /** Settles when the thread ends without being asked to: the agent failed. */
  readonly failed: Promise<Error>;

  private constructor(worker: Worker, exited: Promise<number>, state: { stopping: boolean }, failed: Promise<Error>) {
    this.#worker = worker;
    this.#exited = exited;
    this.#state = state;
    this.failed = failed;
  }

  /**
   * Starts the agent's thread and resolves once the agent is ready.
   * @throws the agent's start failure (a HostpodError keeps its code and hint)
   */
  static async start(options: AgentThreadOptions, io: CommandIO, log: JsonLog): Promise<AgentThread> {
    // A young generation of 8 MiB (V8's default is up to 32 MiB per semi-space pair) keeps the
    // thread's memory near what the agent holds: its objects are small and short-lived.
    const worker = new Worker(`require(${JSON.stringify(BIN)}).loadBundle().exports.serveAgentThread();`, {
      eval: true, workerData: options, stdout: false, stderr: false, resourceLimits: { maxYoungGenerationSizeMb: 8 },
    });
    const state = { stopping: false };
    let lastError: Error | undefined;
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    worker.on('error', (error) => {
      lastError = error;
      log('error', 'node agent failed', { error: error.message });
    });
    const ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (message: FromAgent) => {
        switch (message.type) {
          case 'stderr': io.stderr.write(message.text); break;
          case 'ready': resolve(); break;
          case 'failed': reject(rebuild(message.error)); break;
          case 'stopped': break;
        }
      });
      void exited.then((code) => reject(lastError ?? new Error(`the node agent's thread ended (exit code ${code}) before the agent was ready`)));
    });
    const failed = exited.then((code) => (state.stopping ? new Promise<Error>(() => undefined) : lastError ?? new Error(`the node agent's thread ended with exit code ${code}`)));
    try {
      await ready;
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    return new AgentThread(worker, exited, state, failed);
  }

  /** Stops the agent (its containers keep running) and ends its thread. */
  async stop(): Promise<void> {
    this.#state.stopping = true;
    this.#worker.postMessage({ type: 'stop' } satisfies ToAgent);
    await this.#exited;
  }
}

/** A failure sent across the thread boundary, as the error it was. */
function rebuild(error: { message: string; code?: string; hint?: string }): Error {
  if (error.code?.startsWith('ERR_HOSTPOD_')) return new HostpodError(error.code as `ERR_HOSTPOD_${string}`, error.message, error.hint === undefined ? {} : { hint: error.hint });
  return Object.assign(new Error(error.message), error.code === undefined ? {} : { code: error.code });
}

/** The thread's side: starts the agent with `workerData`, then stops it when the parent asks. */
export async function serveAgentThread(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('serveAgentThread runs on the node agent\'s thread only');
  const post = (message: FromAgent): void => port.postMessage(message);
  const stderr = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      post({ type: 'stderr', text: chunk.toString() });
      done();
    },
  });
  // The log lines are made here, as `hostpod up` makes its own, and written there as text.
  const io: CommandIO = { stdin: new PassThrough().end(), stdout: stderr, stderr };
  const { startAgent } = await import('./agent-handler.js');
  const agent = await startAgent({ ...(workerData as AgentThreadOptions), io, log: jsonLog(io) }).catch((error: unknown) => {
    const { message, code, hint } = error as Error & { code?: unknown; hint?: unknown };
    post({ type: 'failed', error: { message, ...(typeof code === 'string' ? { code } : {}), ...(typeof hint === 'string' ? { hint } : {}) } });
    return process.exit(1);
  });
  port.on('message', (message: ToAgent) => {
    if (message.type !== 'stop') return;
    void agent.stop().catch((error: unknown) => io.stderr.write(`hostpod: the node agent did not stop cleanly: ${(error as Error).message}\n`)).finally(() => {
      post({ type: 'stopped' });
      // A pod worker may still poll a container it is stopping: the thread ends now, as
      // `hostpod up` exits (its containers' monitors hold their stops).
      process.exit(0);
    });
  });
  post({ type: 'ready' });
}
