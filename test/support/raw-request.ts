/**
 * Raw HTTPS requests to an in-process control plane: the request target is sent byte for byte
 * (no URL normalisation on the client side, which `new URL()` would do), with any headers and
 * body, for tests of hostile input.
 */
import { request } from 'node:https';
import type { ControlPlane } from '../../src/controlplane/control-plane.js';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RawRequest {
  method: string;
  /** The request target as sent: `/api/v1/namespaces/x/configmaps/%2e%2e`. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The admin token unless given; null sends no Authorization header. */
  token?: string | null;
}

/** Sends one request as it is written and reads the whole answer. */
export function rawRequest(plane: ControlPlane, r: RawRequest): Promise<RawResponse> {
  const url = new URL(plane.url);
  const token = r.token === undefined ? plane.tokens.adminToken : r.token;
  const body = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
  return new Promise((resolve, reject) => {
    const req = request({
      host: url.hostname, port: url.port, method: r.method, path: r.path, ca: plane.pki.ca.cert, agent: false,
      headers: {
        ...(token === null ? {} : { Authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': String(body.length) }),
        ...r.headers,
      },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
