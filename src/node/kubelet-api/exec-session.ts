/**
 * What an exec is, whatever carries it (WebSocket or SPDY): the request read from the query, the
 * streams the command gets, and the `Status` that reports how it ended, in the shape kubectl
 * turns into its own exit code.
 */
import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

export interface ExecRequest {
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface TerminalSize {
  width: number;
  height: number;
}

/** The command's side of an exec. */
export interface ExecStreams {
  stdin?: Readable;
  stdout?: Writable;
  /** Absent with a TTY: the terminal carries both. */
  stderr?: Writable;
  tty: boolean;
  /** Terminal size changes from the client, the first one soon after the start. */
  onResize(listener: (size: TerminalSize) => void): void;
  /** The client has gone (the connection closed). */
  onClose?(listener: () => void): void;
}

export class ExecRequestError extends Error {}

/**
 * Reads an exec request from the kubelet's query: `command` repeated, and `input`, `output`,
 * `error` and `tty` (core/v1's ExecStdinParam and friends, which kube-apiserver sends as "1").
 * @throws ExecRequestError with the kubelet's wording
 */
export function parseExecRequest(query: URLSearchParams): ExecRequest {
  const flag = (name: string): boolean => ['1', 'true'].includes(query.get(name) ?? '');
  const request = { command: query.getAll('command'), stdin: flag('input'), stdout: flag('output'), stderr: flag('error'), tty: flag('tty') };
  if (request.command.length === 0) throw new ExecRequestError('you must specify at least 1 command');
  if (!request.stdin && !request.stdout && !request.stderr) throw new ExecRequestError('you must specify at least 1 of stdin, stdout, stderr');
  if (request.tty && request.stderr) throw new ExecRequestError('tty and stderr cannot both be true');
  return request;
}

/** The `Status` sent on the error channel when the command has ended (or could not start). */
export function exitStatus(command: readonly string[], outcome: { exitCode: number } | { error: string }): Record<string, unknown> {
  if ('error' in outcome) return { metadata: {}, status: 'Failure', message: outcome.error, reason: 'InternalError', code: 500 };
  if (outcome.exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${outcome.exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(outcome.exitCode) }] },
  };
}

/** A transport's side of an exec: what `run` gets, less `tty`. */
export type ExecIo = Omit<ExecStreams, 'tty'>;

/**
 * Runs the command on a transport's streams, then ends stdout and stderr once all that was
 * written has gone out, and returns the `Status` to send on the error channel (the client stops
 * reading at it).
 */
export async function runCommand(exec: ExecRequest, run: (streams: ExecStreams) => Promise<number>, io: ExecIo): Promise<Record<string, unknown>> {
  let status: Record<string, unknown>;
  try {
    status = exitStatus(exec.command, { exitCode: await run({ ...io, tty: exec.tty }) });
  } catch (error) {
    status = exitStatus(exec.command, { error: error instanceof Error ? error.message : String(error) });
  }
  for (const writer of [io.stdout, io.stderr]) {
    if (!writer) continue;
    writer.end();
    await finished(writer).catch(() => {});
  }
  return status;
}

/**
 * A session's terminal sizes, as the client sends them. The last one is kept and given to a
 * listener that comes later: the first size arrives soon after the start, often before the
 * command's side is ready to listen (an attach connects to the container's monitor first).
 */
export class TerminalSizes {
  readonly #listeners: ((size: TerminalSize) => void)[] = [];
  #last: TerminalSize | undefined;

  /** A size from the client. */
  resized(size: TerminalSize): void {
    this.#last = size;
    for (const listener of this.#listeners) listener(size);
  }

  /** Hears every size from now on, starting with the last one sent before. */
  listen(listener: (size: TerminalSize) => void): void {
    this.#listeners.push(listener);
    if (this.#last) listener(this.#last);
  }
}

/** A resize message, `{"Width":120,"Height":40}`; undefined when malformed (the kubelet ignores those). */
export function parseTerminalSize(text: string): TerminalSize | undefined {
  try {
    const size = JSON.parse(text) as { Width?: unknown; Height?: unknown };
    if (typeof size.Width === 'number' && typeof size.Height === 'number') return { width: size.Width, height: size.Height };
  } catch {
    // ignored, as above
  }
  return undefined;
}
