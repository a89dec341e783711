/**
 * Container probes and lifecycle-hook handlers, as the kubelet runs them: `exec` in the
 * container, `httpGet` (2xx and 3xx succeed) and `tcpSocket` against the pod's address (the
 * node's, on the host network), each with its timeout. A ProbeWorker runs one probe of one
 * container on its schedule and counts successes and failures against the thresholds.
 */
import type { V1Container, V1LifecycleHandler, V1Probe } from '@kubernetes/client-node';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { timerMs } from '../runtime/grace.js';

export interface ProbeOutcome {
  ok: boolean;
  /** Why it failed, in the kubelet's words (empty on success). */
  message: string;
}

/** Where a probe or hook runs. */
export interface ProbeTarget {
  /** The pod's address. */
  host: string;
  /** Runs a command in the container; resolves with its exit code and combined output. */
  exec(command: string[], timeoutMs: number): Promise<{ exitCode: number; output: string; timedOut: boolean }>;
}

type Handler = Pick<V1Probe, 'exec' | 'httpGet' | 'tcpSocket' | 'grpc'> & Pick<V1LifecycleHandler, 'sleep'>;

/** A connection failure in Go's words, as the kubelet reports it: `dial tcp 10.0.0.5:80: connect: connection refused`. */
function dialError(error: NodeJS.ErrnoException, host: string, port: number): string {
  const words: Record<string, string> = { ECONNREFUSED: 'connection refused', EHOSTUNREACH: 'no route to host', ENETUNREACH: 'network is unreachable', ECONNRESET: 'connection reset by peer' };
  const known = error.code === undefined ? undefined : words[error.code];
  return known ? `dial tcp ${host.includes(':') ? `[${host}]` : host}:${port}: connect: ${known}` : error.message;
}

/** A named port (`http`) becomes the container's port of that name. */
function resolvePort(port: number | string | undefined, container: V1Container): number | undefined {
  if (typeof port === 'number') return port;
  if (port !== undefined && /^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

function httpGet(handler: NonNullable<Handler['httpGet']>, container: V1Container, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const port = resolvePort(handler.port, container);
  if (port === undefined) return Promise.resolve({ ok: false, message: `port "${String(handler.port)}" is not a number and no container port has that name` });
  const scheme = (handler.scheme ?? 'HTTP').toLowerCase();
  const host = handler.host ?? target.host;
  const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}${handler.path ?? '/'}`;
  const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.32', Accept: '*/*' };
  for (const header of handler.httpHeaders ?? []) headers[header.name] = header.value;
  return new Promise((resolve) => {
    const request = (scheme === 'https' ? httpsRequest : httpRequest)(url, { method: 'GET', headers, timeout: timeoutMs, rejectUnauthorized: false }, (response) => {
      response.resume();
      const code = response.statusCode ?? 0;
      resolve(code >= 200 && code < 400 ? { ok: true, message: '' } : { ok: false, message: `HTTP probe failed with statuscode: ${code}` });
    });
    request.on('timeout', () => request.destroy(new Error(`Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`)));
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error.message.startsWith('Get "')) resolve({ ok: false, message: error.message });
      else resolve({ ok: false, message: `Get "${url}": ${dialError(error, host, port)}` });
    });
    request.end();
  });
}

function tcpSocket(handler: NonNullable<Handler['tcpSocket']>, container: V1Container, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const port = resolvePort(handler.port, container);
  if (port === undefined) return Promise.resolve({ ok: false, message: `port "${String(handler.port)}" is not a number and no container port has that name` });
  const host = handler.host ?? target.host;
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve({ ok: true, message: '' });
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve({ ok: false, message: `dial tcp ${host.includes(':') ? `[${host}]` : host}:${port}: i/o timeout` });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve({ ok: false, message: dialError(error, host, port) }));
  });
}

/** Runs one probe or hook handler once. */
export async function runHandler(handler: Handler, container: V1Container, target: ProbeTarget, timeout: number): Promise<ProbeOutcome> {
  // A grace period or timeoutSeconds may be any int64 (or int32) number of seconds: bound it for the timers.
  const timeoutMs = timerMs(timeout);
  if (handler.exec) {
    const command = handler.exec.command ?? [];
    try {
      const result = await target.exec(command, timeoutMs);
      if (result.timedOut) return { ok: false, message: `command "${command.join(' ')}" timed out` };
      return result.exitCode === 0 ? { ok: true, message: '' } : { ok: false, message: result.output.trim() || `command "${command.join(' ')}" exited with ${result.exitCode}` };
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
  }
  if (handler.httpGet) return httpGet(handler.httpGet, container, target, timeoutMs);
  if (handler.tcpSocket) return tcpSocket(handler.tcpSocket, container, target, timeoutMs);
  if (handler.sleep) {
    await new Promise((resolve) => setTimeout(resolve, timerMs(handler.sleep!.seconds * 1000)));
    return { ok: true, message: '' };
  }
  if (handler.grpc) return { ok: false, message: 'grpc probes are not supported by hostpod: use exec, httpGet or tcpSocket' };
  return { ok: false, message: 'the handler has no action' };
}

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

/**
 * Runs one probe on its schedule: after initialDelaySeconds, every periodSeconds, reporting a
 * change once failureThreshold failures or successThreshold successes come in a row.
 */
export class ProbeWorker {
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #successes = 0;
  #failures = 0;
  /** The probe's verdict: liveness starts true; readiness and startup start false (not yet ready, not yet started). */
  result: boolean;

  constructor(
    readonly kind: ProbeKind,
    private readonly probe: V1Probe,
    private readonly container: V1Container,
    private readonly target: ProbeTarget,
    private readonly events: {
      /** Each failed attempt (the kubelet's Unhealthy event). */
      failed(kind: ProbeKind, message: string): void;
      /** The verdict changed. */
      changed(kind: ProbeKind, result: boolean, message: string): void;
    },
    /** When gated (liveness and readiness before the startup probe succeeds), attempts are skipped. */
    private readonly gate: () => boolean = () => true,
  ) {
    this.result = kind === 'liveness';
  }

  start(): void {
    this.#schedule((this.probe.initialDelaySeconds ?? 0) * 1000);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#attempt(), timerMs(delayMs));
    this.#timer.unref();
  }

  async #attempt(): Promise<void> {
    if (this.#stopped) return;
    if (this.gate()) {
      const outcome = await runHandler(this.probe, this.container, this.target, (this.probe.timeoutSeconds ?? 1) * 1000);
      if (this.#stopped) return;
      if (outcome.ok) {
        this.#failures = 0;
        this.#successes++;
        if (!this.result && this.#successes >= (this.probe.successThreshold ?? 1)) {
          this.result = true;
          this.events.changed(this.kind, true, '');
          // A startup probe has done its job once it succeeds.
          if (this.kind === 'startup') return;
        }
      } else {
        this.#successes = 0;
        this.#failures++;
        this.events.failed(this.kind, outcome.message);
        if (this.#failures >= (this.probe.failureThreshold ?? 3) && (this.result || this.kind === 'startup')) {
          this.result = false;
          this.#failures = 0;
          this.events.changed(this.kind, false, outcome.message);
        }
      }
    }
    this.#schedule((this.probe.periodSeconds ?? 10) * 1000);
  }
}
