/** Writing responses: JSON bodies, `Status` errors and `Warning` headers. */
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { stringifyJson } from '../../api/json/index.js';
import { StatusError, internalError } from '../api/status-error.js';
import { warningHeaders } from './warnings.js';

/** Sends a JSON body, with each warning as a `Warning: 299 - "text"` header (RFC 7234, as kube-apiserver writes them). */
export function sendJson(response: ServerResponse, code: number, body: unknown, warnings: readonly string[] = [], contentType = 'application/json'): void {
  const payload = stringifyJson(body);
  const headers: Record<string, string | string[]> = {
    'Content-Type': contentType,
    'Content-Length': String(Buffer.byteLength(payload)),
    'Cache-Control': 'no-cache, private',
  };
  // A warning set before the answer (a deprecated resource's) goes first.
  const earlier = response.getHeader('Warning');
  const warningValues = [...(Array.isArray(earlier) ? earlier : earlier === undefined ? [] : [String(earlier)]), ...warningHeaders(warnings)];
  if (warningValues.length > 0) headers['Warning'] = warningValues;
  response.writeHead(code, headers);
  response.end(payload);
}

export { warningHeader } from './warnings.js';

/** The 429 of a request refused for load: kube-apiserver's plain-text answer, with `Retry-After` in seconds. */
export function sendTooManyRequests(response: ServerResponse, retryAfterSeconds = 1): void {
  const body = 'Too many requests, please try again later.\n';
  response.writeHead(429, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'X-Content-Type-Options': 'nosniff',
    'Retry-After': String(retryAfterSeconds),
  });
  response.end(body);
}

/** An error as a StatusError; anything that is not one is a bug, reported as 500. */
export function statusOf(error: unknown): StatusError {
  return error instanceof StatusError ? error : internalError(error instanceof Error ? error.message : String(error));
}

/** Sends an error as a `Status`. */
export function sendError(response: ServerResponse, error: unknown): StatusError {
  const status = statusOf(error);
  if (response.headersSent) {
    response.destroy();
    return status;
  }
  sendJson(response, status.code, status.toStatus(), status.warnings);
  return status;
}

/** Answers a refused upgrade on its raw socket: an HTTP response with the `Status`, then close. */
export function writeSocketError(socket: Duplex, error: unknown): StatusError {
  const status = statusOf(error);
  if (socket.writable) {
    const payload = JSON.stringify(status.toStatus());
    socket.end(`HTTP/1.1 ${status.code} ${STATUS_CODES[status.code] ?? ''}\r\nContent-Type: application/json\r\n`
      + `Content-Length: ${Buffer.byteLength(payload)}\r\nCache-Control: no-cache, private\r\nConnection: close\r\n\r\n${payload}`);
  } else {
    socket.destroy();
  }
  return status;
}
