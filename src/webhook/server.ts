/**
 * The webhook's HTTPS server: `/validate` and `/mutate` take AdmissionReviews, `/healthz` says it
 * serves. The serving certificate and key are read from files and read again when they change
 * (new connections get the new pair); each review answers within its time budget; bad input gets
 * a 400 naming what is wrong, and nothing a client sends ends the process.
 */
import { readFile } from 'node:fs/promises';
import { unwatchFile, watchFile } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createSecureContext } from 'node:tls';
import { parseGoDuration } from '../api/go-duration.js';
import { HostpodError } from '../errors.js';
import type { WebhookConfig } from './config.js';
import type { Advisor } from './advice.js';
import { BadReview, describeObject, mutateReview, parseReview, reviewBody, validateReview, type ReviewRequest, type ReviewResponse } from './review.js';

export type WebhookLog = (level: string, message: string, fields?: Record<string, unknown>) => void;

export interface WebhookServerOptions {
  certFile: string;
  keyFile: string;
  config: WebhookConfig;
  host: string;
  port: number;
  log: WebhookLog;
  /** Run after the built-in rules, inside the time budget (the containerd 1.7 advisor's hook). */
  advisors?: readonly Advisor[];
  /** How often the certificate files are checked for changes (default 1000 ms). */
  certCheckIntervalMs?: number;
}

export interface WebhookServer {
  port: number;
  close(): Promise<void>;
}

// The API server allows a request body of 3 MiB; a review carries the object and the old one.
const MAX_BODY = 8 * 1024 * 1024;

/**
 * How long a review may take: the configured timeoutSeconds or the API server's `?timeout=`,
 * whichever is shorter, less a margin for the answer to travel back (a fifth, at most 1 s).
 */
export function reviewBudgetMs(config: WebhookConfig, timeoutParam: string | null): number {
  const fromServer = timeoutParam === null ? undefined : parseGoDuration(timeoutParam);
  const limit = Math.min(config.timeoutSeconds * 1000, fromServer ?? Infinity);
  return Math.max(1, limit - Math.min(1000, limit / 5));
}

/** The answer when the budget ran out, as the configuration's onTimeout says. */
function timedOut(request: ReviewRequest, config: WebhookConfig, budgetMs: number): ReviewResponse {
  const what = `hostpod's webhook did not finish reviewing ${describeObject(request)} within ${Math.round(budgetMs)} ms`;
  if (config.onTimeout === 'allow') return { uid: request.uid, allowed: true, warnings: [`${what}; it is admitted unreviewed (onTimeout: allow)`] };
  return {
    uid: request.uid, allowed: false,
    status: { code: 504, reason: 'Timeout', message: `${what} (onTimeout: deny): retry, or raise timeoutSeconds in the webhook's configuration and its registration` },
  };
}

/** Reviews `request` at `path`, answering per onTimeout when the budget runs out first. */
export async function answerReview(path: string, request: ReviewRequest, options: Pick<WebhookServerOptions, 'config' | 'advisors'>, budgetMs: number): Promise<ReviewResponse> {
  const review = path === '/mutate'
    ? Promise.resolve().then(() => mutateReview(request, options.config))
    : validateReview(request, options.config, options.advisors ?? []);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<ReviewResponse>((resolve) => {
    timer = setTimeout(() => resolve(timedOut(request, options.config, budgetMs)), budgetMs);
  });
  try {
    return await Promise.race([review, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function send(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new BadReview(`the body is larger than ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function handle(req: IncomingMessage, res: ServerResponse, options: WebhookServerOptions): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://webhook');
  if (url.pathname === '/healthz') return send(res, 200, 'ok', 'text/plain');
  if (url.pathname !== '/validate' && url.pathname !== '/mutate') return send(res, 404, `no ${url.pathname} here: the webhook serves /validate, /mutate and /healthz\n`, 'text/plain');
  if (req.method !== 'POST') return send(res, 405, `${req.method ?? ''} ${url.pathname}: an AdmissionReview is POSTed\n`, 'text/plain');
  const budgetMs = reviewBudgetMs(options.config, url.searchParams.get('timeout'));
  let request: ReviewRequest;
  let response: ReviewResponse;
  try {
    const text = await readBody(req);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new BadReview(`the body is not JSON (${(error as Error).message}): expected an AdmissionReview`);
    }
    request = parseReview(body);
    response = await answerReview(url.pathname, request, options, budgetMs);
  } catch (error) {
    if (!(error instanceof BadReview)) throw error;
    options.log('warn', 'bad AdmissionReview', { path: url.pathname, error: error.message });
    return send(res, 400, `${error.message}\n`, 'text/plain');
  }
  options.log('info', 'reviewed', {
    path: url.pathname, uid: request.uid, object: describeObject(request), operation: request.operation, allowed: response.allowed,
    warnings: response.warnings?.length ?? 0, patched: response.patch !== undefined,
  });
  send(res, 200, reviewBody(response));
}

async function readPair(certFile: string, keyFile: string): Promise<{ cert: string; key: string }> {
  const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  // Throws when they do not match or do not parse: the caller keeps the pair it has.
  createSecureContext({ cert, key });
  return { cert, key };
}

/**
 * Starts the webhook server.
 * @throws HostpodError ERR_HOSTPOD_WEBHOOK_TLS when the certificate or key cannot be read or do
 *   not make a pair; ERR_HOSTPOD_PORT_IN_USE when the port is taken
 */
export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  let pair: { cert: string; key: string };
  try {
    pair = await readPair(options.certFile, options.keyFile);
  } catch (error) {
    throw new HostpodError('ERR_HOSTPOD_WEBHOOK_TLS', `cannot serve TLS with --cert ${options.certFile} and --key ${options.keyFile}: ${(error as Error).message}`, {
      hint: 'pass a PEM certificate and its PEM private key (for example from a kubernetes.io/tls Secret: tls.crt and tls.key)', cause: error,
    });
  }
  // A client that sends its request slowly is cut off: the API server's own calls last 30 s at most.
  const server: Server = createServer({ ...pair, minVersion: 'TLSv1.2', requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => {
    handle(req, res, options).catch((error: unknown) => {
      // The client went away mid-request (aborted): nothing to answer, and no bug of ours.
      if (req.destroyed && (error as NodeJS.ErrnoException).code === 'ECONNRESET') return options.log('info', 'client went away', { path: req.url });
      options.log('error', 'review failed', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      send(res, 500, `hostpod's webhook failed on this review: ${error instanceof Error ? error.message : String(error)}\n`, 'text/plain');
    });
  });
  // A client that breaks off its handshake or sends garbage is its own problem, not the server's.
  server.on('tlsClientError', () => undefined);
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE'
        ? new HostpodError('ERR_HOSTPOD_PORT_IN_USE', `${options.host}:${options.port} is in use`, { hint: 'choose another --port, or stop what listens there' })
        : error);
    });
    server.listen(options.port, options.host, () => resolve());
  });
  server.on('error', (error) => options.log('error', 'server error', { error: error.message }));

  // Polled, not fs.watch: a Secret volume replaces the files by swapping a symlink (..data), which
  // inotify on the files themselves does not see; stat follows the link.
  let reloading = false;
  let again = false;
  const reload = (): void => {
    if (reloading) {
      again = true;
      return;
    }
    reloading = true;
    readPair(options.certFile, options.keyFile).then((next) => {
      if (next.cert === pair.cert && next.key === pair.key) return;
      server.setSecureContext({ ...next, minVersion: 'TLSv1.2' });
      pair = next;
      options.log('info', 'serving certificate reloaded', { cert: options.certFile });
    }, (error: unknown) => {
      // Often a half-written pair (the certificate replaced, the key not yet): the next change retries.
      options.log('warn', 'serving certificate not reloaded; the previous one stays', { error: (error as Error).message });
    }).finally(() => {
      reloading = false;
      if (again) {
        again = false;
        reload();
      }
    });
  };
  const interval = options.certCheckIntervalMs ?? 1000;
  watchFile(options.certFile, { interval, persistent: false }, reload);
  watchFile(options.keyFile, { interval, persistent: false }, reload);
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () => new Promise<void>((resolve) => {
      unwatchFile(options.certFile, reload);
      unwatchFile(options.keyFile, reload);
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
