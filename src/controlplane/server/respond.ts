/** Writing responses: JSON bodies, `Status` errors and `Warning` headers. */
import type { ServerResponse } from 'node:http';
import { StatusError, internalError } from '../api/status-error.js';

/** Sends a JSON body, with each warning as a `Warning: 299 - "text"` header (RFC 7234, as kube-apiserver writes them). */
export function sendJson(response: ServerResponse, code: number, body: unknown, warnings: readonly string[] = [], contentType = 'application/json'): void {
  const payload = JSON.stringify(body);
  const headers: Record<string, string | string[]> = {
    'Content-Type': contentType,
    'Content-Length': String(Buffer.byteLength(payload)),
    'Cache-Control': 'no-cache, private',
  };
  const unique = [...new Set(warnings)];
  if (unique.length > 0) headers['Warning'] = unique.map(warningHeader);
  response.writeHead(code, headers);
  response.end(payload);
}

export function warningHeader(text: string): string {
  // Header values cannot carry newlines; quotes and backslashes are escaped in the quoted string.
  const clean = text.replace(/[\r\n]+/g, ' ').replace(/[\\"]/g, (c) => `\\${c}`);
  return `299 - "${clean}"`;
}

/** Sends an error as a `Status`; anything that is not a StatusError is a bug, reported as 500. */
export function sendError(response: ServerResponse, error: unknown): StatusError {
  const status = error instanceof StatusError ? error : internalError(error instanceof Error ? error.message : String(error));
  if (response.headersSent) {
    response.destroy();
    return status;
  }
  sendJson(response, status.code, status.toStatus());
  return status;
}
