/**
 * HTTP for registries: keep-alive agents, redirects (blob downloads are often redirected to
 * object storage, and the registry's Authorization must not follow them to another host), and
 * retries with exponential backoff on what is worth retrying: connection failures, 429 and 5xx.
 *
 * On node:http rather than fetch: a layer download is a stream piped into the content store, and
 * Node's own streams do that without converting every chunk between web and Node streams.
 */
import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { HostpodError } from '../../../errors.js';

const MAX_REDIRECTS = 10;
const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNABORTED', 'UND_ERR_SOCKET']);

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Delay before the first retry; it doubles each time, with up to 25% jitter. */
  baseDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 250 };

export interface RequestOptions {
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH';
  headers?: OutgoingHttpHeaders;
  /** A stream is piped (an upload); anything else is sent whole. */
  body?: string | Buffer | Readable;
  /** Skip TLS certificate verification (registries configured as insecure). */
  insecureTls?: boolean;
  /** No bytes for this long: the request fails (and may be retried). */
  idleTimeoutMs?: number;
}

const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 16 });
const insecureHttpsAgent = new https.Agent({ keepAlive: true, maxSockets: 16, rejectUnauthorized: false });

/** One request, following redirects; the response body is left unread for the caller. */
export async function request(url: string, options: RequestOptions = {}): Promise<IncomingMessage> {
  let current = new URL(url);
  let headers = { ...options.headers };
  for (let hop = 0; ; hop++) {
    const response = await once(current, { ...options, headers });
    const location = response.headers.location;
    if (response.statusCode !== undefined && [301, 302, 303, 307, 308].includes(response.statusCode) && location && hop < MAX_REDIRECTS) {
      response.resume();
      const next = new URL(location, current);
      // Credentials stay with the host they were meant for, and off plain HTTP.
      if (next.host !== current.host || next.protocol !== current.protocol) {
        headers = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'));
      }
      current = next;
      continue;
    }
    return response;
  }
}

function once(url: URL, options: RequestOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const isHttps = url.protocol === 'https:';
    const agent = isHttps ? (options.insecureTls ? insecureHttpsAgent : httpsAgent) : httpAgent;
    const req = (isHttps ? https : http).request(url, { method: options.method ?? 'GET', headers: { 'user-agent': 'hostpod', ...options.headers }, agent }, resolve);
    req.setTimeout(options.idleTimeoutMs ?? 60_000, () => req.destroy(Object.assign(new Error(`no answer from ${url.host} for ${(options.idleTimeoutMs ?? 60_000) / 1000} s`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    const body = options.body;
    if (body instanceof Readable) {
      body.on('error', (error) => req.destroy(error));
      body.pipe(req);
    } else req.end(body);
  });
}

/** Whether an error or status is worth another attempt; wrapped errors are judged by their cause. */
export function isTransient(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof HttpStatusError) return e.status === 429 || e.status >= 500;
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== undefined && RETRYABLE_CODES.has(code)) return true;
    if (e.message === 'socket hang up' || e.message === 'aborted') return true;
  }
  return false;
}

/** A response status that the caller turned into an error (kept so retries can look at it). */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Runs `attempt` until it succeeds, retrying transient failures with backoff. `onRetry` hears
 * about each retry (for progress output).
 */
export async function withRetries<T>(policy: RetryPolicy, attempt: (n: number) => Promise<T>, onRetry?: (error: unknown, delayMs: number) => void): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= policy.attempts || !isTransient(error)) throw error;
      const delay = policy.baseDelayMs * 2 ** (n - 1) * (1 + Math.random() * 0.25);
      onRetry?.(error, delay);
      await sleep(delay);
    }
  }
}

/** Reads a whole (small) response body, refusing more than `limit` bytes. */
export async function readBody(response: IncomingMessage, limit = 8 << 20, what = 'the answer'): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      response.destroy();
      throw new HostpodError('ERR_HOSTPOD_REGISTRY', `${what} is larger than ${limit} bytes, more than such a document can be`, {
        hint: 'the registry answered with something that is not an image manifest or config',
      });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
